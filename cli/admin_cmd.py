"""`liqfade admin hash-password`: an argon2id hash for ADMIN_PASSWORD_HASH, so the password itself is
never stored in the environment of a deployment."""

from __future__ import annotations

import getpass
import sys

from runtime.passwords import hash_password, password_problem


def read_password() -> str:
    """From the terminal (asked twice), or one line from standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("admin password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def hash_password_command() -> int:
    try:
        password = read_password()
    except ValueError as exc:
        print(f"liqfade admin hash-password: {exc}", file=sys.stderr)
        return 2
    problem = password_problem(password)
    if problem:
        print(f"liqfade admin hash-password: the password {problem}", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0
