"""A local webhook receiver on 127.0.0.1 (port 0) that can fail on purpose and remembers what it got."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dispatch.notifications.signing import DELIVERY_ID_HEADER


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    accepted: bool


@dataclass
class Receiver:
    url: str = ""
    fail_next: int = 0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted_ids(self) -> list[str]:
        """Delivery ids this receiver took, deduplicated as a real receiver does (first one wins)."""
        seen: list[str] = []
        for request in self.requests:
            delivery_id = request.headers[DELIVERY_ID_HEADER.lower()]
            if request.accepted and delivery_id not in seen:
                seen.append(delivery_id)
        return seen


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                accepted = receiver.fail_next <= 0
                receiver.fail_next -= 1
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.requests.append(Received(headers, body, accepted))
            self.send_response(200 if accepted else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
