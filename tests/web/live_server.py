"""A real `dispatch serve` process on a free 127.0.0.1 port, against its own fresh SQLite database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

DEMO_PASSWORD = "demo"


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    workdir: Path, *, extra_env: dict[str, str] | None = None, timeout_s: float = 180
) -> LiveServer:
    """Start `dispatch serve` (it migrates and seeds the province demo world) and wait for /health."""
    database_url = f"sqlite:///{workdir / 'dispatch.db'}"
    env = {
        **os.environ,
        "DISPATCH_DATABASE_URL": database_url,
        "DISPATCH_SECRET_KEY": "browser-test-secret-key-not-for-production",
        "DISPATCH_DEMO_PASSWORD": DEMO_PASSWORD,
        "DISPATCH_UPLOAD_DIR": str(workdir / "uploads"),
        "DISPATCH_REDIS_URL": "",
        **(extra_env or {}),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dispatch.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=url, database_url=database_url, process=process, log_path=log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dispatch serve exited ({process.returncode}):\n{server.log()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"dispatch serve did not answer within {timeout_s} s:\n{server.log()}")


def sign_in(url: str, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers for an API user of the live server."""
    response = httpx.post(url + "/api/auth/token", data={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["access_token"]}
