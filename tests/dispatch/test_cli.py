"""`dispatch serve` on a fresh directory: migrates, seeds the province world, answers /health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_the_embedded_system(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "dispatch.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health == {"status": "ok", "database": "ok", "backend": "sqlite"}
        token = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/token", data={"username": "planner", "password": "demo"}
        ).json()["access_token"]
        stations = httpx.get(
            f"http://127.0.0.1:{port}/api/fleet/stations", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert len(stations) > 30
        assert (tmp_path / "dispatch.db").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "演示账号 / Demo logins" in output
    assert "http://127.0.0.1:" in output
