"""A fake OSRM ``/table`` service on 127.0.0.1 (port 0): answers with fixed figures, or fails on demand."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeOsrm(ThreadingHTTPServer):
    """Every pair takes ``duration_s`` seconds over ``distance_m`` metres; ``failing`` answers 503."""

    def __init__(self, duration_s: float = 777.0, distance_m: float = 9_900.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.duration_s = duration_s
        self.distance_m = distance_m
        self.failing = False
        self.requests = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOsrm

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests += 1
        if self.server.failing:
            self._send(503, {"code": "Unavailable", "message": "overloaded"})
            return
        query = parse_qs(urlsplit(self.path).query)
        rows = len(query["sources"][0].split(";"))
        cols = len(query["destinations"][0].split(";"))
        self._send(
            200,
            {
                "code": "Ok",
                "durations": [[self.server.duration_s] * cols for _ in range(rows)],
                "distances": [[self.server.distance_m] * cols for _ in range(rows)],
            },
        )

    def _send(self, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def fake_osrm(**figures: float) -> Iterator[FakeOsrm]:
    server = FakeOsrm(**figures)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
