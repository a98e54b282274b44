"""A lean closed-loop HTTP/1.1 load generator for the benchmarks.

The server under test shares this 2-core machine with its load generator, so every microsecond the client
spends is taken from the server. httpx's async client costs about a millisecond of CPU per request at
concurrency 32, which made the client, not the server, the bottleneck of the first benchmark runs. This one
sends pre-encoded requests over ``CONCURRENCY`` keep-alive connections with asyncio streams and reads only
the status line, ``Content-Length`` and the body: a few tens of microseconds per request.

``run_closed_loop(host, port, requests, concurrency)`` sends each request once, ``concurrency`` at a time,
each connection starting its next request when its last answer is read, and returns the latencies (ms), the
wall time and the count of answers with status >= 400.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LoadResult:
    latencies_ms: list[float]
    wall_s: float
    failures: int
    statuses: dict[int, int]


def encode_request(
    method: str, path: str, *, host: str, headers: dict[str, str], json_body: Any | None = None
) -> bytes:
    """One HTTP/1.1 keep-alive request as bytes."""
    body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if json_body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise RuntimeError("chunked responses are not supported by this load generator")
    if length is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def run_closed_loop(host: str, port: int, requests: Sequence[bytes], concurrency: int) -> LoadResult:
    """Send every request once over `concurrency` keep-alive connections; measure each round trip."""
    next_index = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def connection() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while next_index < len(requests):
                raw = requests[next_index]
                next_index += 1
                started = time.perf_counter()
                writer.write(raw)
                status = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    failures = sum(count for status, count in statuses.items() if status >= 400)
    return LoadResult(latencies, wall, failures, statuses)


def run(host: str, port: int, requests: Sequence[bytes], concurrency: int) -> LoadResult:
    """`run_closed_loop` on a fresh event loop (uvloop when installed, as uvicorn uses it too)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(run_closed_loop(host, port, requests, concurrency))
    return uvloop.run(run_closed_loop(host, port, requests, concurrency))
