"""An empty production database, built by the command line alone: migrate, first admin, CSV network, serve.

Production never seeds the demo world: not at `serve`, and `dispatch seed` refuses.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dispatch.auth.password_policy import check_password
from dispatch.cli import main
from dispatch.errors import InvalidInput
from dispatch.settings import get_settings
from tests.dispatch.fleet.conftest import EXAMPLE_NETWORK
from tests.dispatch.test_cli import _free_port

STRONG = "Hangzhou-Rescue-2026"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env |= {
        "DISPATCH_ENVIRONMENT": "production",
        "DISPATCH_SECRET_KEY": "a-production-secret-for-this-test-only-0123456789",
        "DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "DISPATCH_BACKGROUND_WORKERS": "false",
    }
    return env


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Outcome]]:
    """`dispatch ARGS` in this process (the server itself runs as a real subprocess below)."""
    for name, value in _env(tmp_path).items():
        if name.startswith("DISPATCH_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str = "") -> Outcome:
        get_settings.cache_clear()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    yield run
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1A!", "至少"),
        ("password123", "常见"),
        ("admin-Secret-99", "用户名"),
        ("alllowercaseletters", "三类"),
    ],
)
def test_weak_admin_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_password(password, username="admin")
    assert why in refused.value.message and refused.value.field == "password"
    check_password(STRONG, username="admin")


def test_a_production_network_is_built_from_the_command_line(
    tmp_path: Path, run_cli: Callable[..., Outcome]
) -> None:
    _dispatch = run_cli
    assert _dispatch("db", "upgrade").returncode == 0

    weak = _dispatch("users", "create-admin", "--password-stdin", stdin="12345678\n")
    assert weak.returncode == 1 and "密码" in weak.stderr
    created = _dispatch("users", "create-admin", "--username", "root", "--password-stdin", stdin=STRONG)
    assert created.returncode == 0, created.stderr
    assert "root" in created.stdout

    refused = _dispatch("seed", "--scale", "small")
    assert refused.returncode == 1 and "Production never loads the demo world" in refused.stdout

    dry = _dispatch("fleet", "import", str(EXAMPLE_NETWORK), "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "vans: 4 created" in dry.stdout
    imported = _dispatch("fleet", "import", str(EXAMPLE_NETWORK))
    assert imported.returncode == 0 and "stations: 3 created" in imported.stdout
    again = _dispatch("fleet", "import", str(EXAMPLE_NETWORK))
    assert "vans: 0 created, 0 updated, 4 unchanged" in again.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "vans.csv").write_text("plate,kind,station_code\n浙BQ0001,rescue,NOWHERE\n", encoding="utf-8")
    failed = _dispatch("fleet", "import", str(bad))
    assert failed.returncode == 1
    assert "vans.csv:2 [station_code]" in failed.stdout and "vans.csv:2 [plate]" in failed.stdout

    _serve_and_check(tmp_path)


def _serve_and_check(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dispatch.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        demo = httpx.post(f"{base}/api/auth/token", data={"username": "admin", "password": "demo"})
        assert demo.status_code == 401, "no demo users in production"
        token = httpx.post(f"{base}/api/auth/token", data={"username": "root", "password": STRONG}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        stations = httpx.get(f"{base}/api/fleet/stations", headers=headers).json()
        assert sorted(s["code"] for s in stations) == ["NH-01", "QT-01", "SM-01"], "only the imported network"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "演示账号 / Demo logins" not in output
