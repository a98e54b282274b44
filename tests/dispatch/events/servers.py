"""Real uvicorn worker processes on ports chosen by the OS, for tests where the network matters."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Worker:
    process: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        if self.reader is not None:
            self.reader.join(timeout_s)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_worker(env: dict[str, str], timeout_s: float = 60.0) -> Worker:
    """`python -m uvicorn dispatch.app:create_app --factory --port 0`; returns once it is listening."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "dispatch.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    log: list[str] = []
    found: list[int] = []
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip())
            match = _RUNNING.search(line)
            if match and not found:
                found.append(int(match.group(1)))
                ready.set()
        ready.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout_s
    while not ready.wait(0.1):
        if time.monotonic() > deadline:
            break
    if not found:
        process.kill()
        process.wait()
        reader.join(5)
        process.stdout.close()
        raise RuntimeError("uvicorn did not start:\n" + "\n".join(log[-30:]))
    return Worker(process=process, port=found[0], log=log, reader=reader)
