"""`liqfade admin hash-password`: a hash the API logs in with; short and demo passwords refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from projector.migrate import migrate
from runtime.settings import Settings
from tests.api.conftest import EMAIL

ROOT = Path(__file__).resolve().parents[2]


def hash_password(password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "admin", "hash-password"], cwd=ROOT,
                          input=password + "\n", capture_output=True, text=True, timeout=30)


def test_hash_password_when_good_prints_an_argon2id_hash_the_api_logs_in_with(
        redis_url: str, database_url: str) -> None:
    made = hash_password("a long operator password")
    assert made.returncode == 0 and made.stdout.startswith("$argon2id$")
    assert "a long operator password" not in made.stdout + made.stderr
    hashed = Settings(redis_url=redis_url, database_url=database_url, jwt_secret=SecretStr("j" * 40),
                      admin_email=EMAIL, admin_password_hash=SecretStr(made.stdout.strip()), _env_file=None)
    migrate(database_url)
    with TestClient(create_app(hashed)) as client:
        assert client.post("/api/auth/login", json={"email": EMAIL, "password": "a long operator password"}
                           ).status_code == 200
        assert client.post("/api/auth/login", json={"email": EMAIL, "password": "another long password"}
                           ).status_code == 401


def test_hash_password_when_short_or_a_demo_value_is_refused() -> None:
    for password in ("short", "demo-password", "change-me-demo-only"):
        refused = hash_password(password)
        assert refused.returncode == 2 and "the password" in refused.stderr and not refused.stdout
