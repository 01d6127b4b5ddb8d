"""The Railway config files (deploy/railway/*.toml) against the Procfile, the CLI and the Dockerfiles: every
process has a service, every start command exists, every package reaches the image, and a change redeploys
exactly the services it touches. (That the health check paths answer is checked where the services run:
tests/e2e/test_one_container.py for the API, dashboard/tests/e2e/deploy.spec.ts for the dashboard.)"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser
from cli.plugins import WORKERS
from cli.up import read_procfile

ROOT = Path(__file__).resolve().parents[2]
RAILWAY = ROOT / "deploy" / "railway"
PROCFILE = read_procfile(ROOT / "Procfile")
PYTHON_PROCESSES = [name for name in PROCFILE if name != "dashboard"]
PACKAGES = re.findall(r'"(\w+)\*"', (ROOT / "pyproject.toml").read_text().split("[tool.setuptools.packages.find]")[1]
                      .split("\n\n")[0])


def service(name: str) -> dict[str, Any]:
    return tomllib.loads((RAILWAY / f"{name}.toml").read_text())


def test_every_procfile_process_has_a_service_and_there_is_no_other_but_the_bot() -> None:
    files = {p.stem for p in RAILWAY.glob("*.toml")}
    assert files == {*PROCFILE, "bot"}


@pytest.mark.parametrize("name", PYTHON_PROCESSES)
def test_worker_service_runs_what_the_procfile_runs_from_the_python_image(name: str) -> None:
    config = service(name)
    assert config["deploy"]["startCommand"] == PROCFILE[name]
    argv = shlex.split(PROCFILE[name])
    assert argv[:2] == ["liqfade", "run"] and argv[2] in WORKERS
    build_parser().parse_args(argv[1:])  # the CLI takes it
    assert (config["build"]["builder"], config["build"]["dockerfilePath"]) == ("DOCKERFILE", "Dockerfile")
    assert config["deploy"]["restartPolicyType"] == "ALWAYS"


def test_bot_service_runs_every_python_process_under_the_supervisor() -> None:
    argv = shlex.split(service("bot")["deploy"]["startCommand"])
    args = build_parser().parse_args(argv[1:])
    assert argv[:2] == ["liqfade", "up"] and not args.demo
    assert args.only.split(",") == PYTHON_PROCESSES
    assert service("bot")["deploy"]["healthcheckPath"] == service("api")["deploy"]["healthcheckPath"] == "/api/health"


def test_python_image_holds_every_package_and_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert set(PACKAGES) <= copied
    assert "pip install ." in dockerfile and "ENV API_HOST=::" in dockerfile


def test_dashboard_service_starts_what_its_image_holds() -> None:
    config = service("dashboard")
    dockerfile = (ROOT / "dashboard" / config["build"]["dockerfilePath"]).read_text()
    start = config["deploy"]["startCommand"]
    assert start == "node server.mjs" and '["node", "server.mjs"]' in dockerfile
    assert "COPY --from=build --chown=nextjs:nodejs /app/server.mjs ./server.mjs" in dockerfile
    assert (ROOT / "dashboard" / "server.mjs").exists() and "HOSTNAME=::" in dockerfile
    assert PROCFILE["dashboard"] == "node dashboard/server.mjs"
    assert config["deploy"]["healthcheckPath"] == "/login"


def test_watch_patterns_redeploy_python_services_for_python_and_the_dashboard_for_itself() -> None:
    for name in [*PYTHON_PROCESSES, "bot"]:
        patterns = service(name)["build"]["watchPatterns"]
        assert {f"/{p}/**" for p in PACKAGES} | {"/pyproject.toml", "/Dockerfile", "/config/**"} <= set(patterns)
        assert not any(p.startswith("/dashboard") for p in patterns)
    assert service("dashboard")["build"]["watchPatterns"] == ["/dashboard/**"]
