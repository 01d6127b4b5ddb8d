"""The live processes under a root process, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def argv_of(pid: int) -> list[str]:
    """The process's command line, [] when it is gone or is a kernel thread."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def descendants(root: int) -> dict[int, list[str]]:
    """pid → command line of every live process below `root` (children, their children, …)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, list[str]] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        argv = argv_of(pid)
        if argv:
            found[pid] = argv
        todo += children.get(pid, [])
    return found
