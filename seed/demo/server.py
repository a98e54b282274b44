"""The API served from a background thread of the demo process (the simulator keeps the main loop)."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

START_TIMEOUT_S = 60.0


class ServerThread:
    """uvicorn in a thread: `start()` returns once it listens, with the port it got (0 = any free port)."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.host = host
        self.port = port
        self._thread = threading.Thread(target=self.server.run, name="dispatch-api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start / 服务未能启动")
            time.sleep(0.02)
        sockets = [s for server in self.server.servers for s in server.sockets]
        self.port = int(sockets[0].getsockname()[1])
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
