"""A lean closed-loop HTTP/1.1 load generator for the benchmarks.

The server under test shares this 2-core machine with its load generator, so every microsecond the client
spends is taken from the server. httpx's async client costs about a millisecond of CPU per request at
concurrency 32, which made the client, not the server, the bottleneck of the first benchmark runs. This one
sends pre-encoded requests over ``CONCURRENCY`` keep-alive connections with asyncio streams and reads only
the status line, ``Content-Length`` and the body: a few tens of microseconds per request.

``run_closed_loop(host, port, requests, concurrency)`` sends each request once, ``concurrency`` at a time,
each connection starting its next request when its last answer is read, and returns the latencies (ms), the
wall time and the count of answers with status >= 400. In a closed loop the server sets the pace, so the
latency is the concurrency divided by the throughput, whatever the load a real call center would bring.

``run_open_loop(host, port, requests, rate_per_s, max_in_flight)`` sends at a fixed rate instead, as calls
arrive, and measures each latency from the moment its request was due, so time spent queued for a free
connection counts (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine, Sequence
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


async def run_open_loop(
    host: str, port: int, requests: Sequence[bytes], rate_per_s: float, max_in_flight: int
) -> LoadResult:
    """Send request k at ``k / rate_per_s`` seconds over at most `max_in_flight` keep-alive connections."""
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(max_in_flight):
        idle.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    # perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds.
    started = time.perf_counter()

    async def send(raw: bytes, due: float) -> None:
        reader, writer = await idle.get()
        writer.write(raw)
        status = await _read_response(reader)
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        idle.put_nowait((reader, writer))

    tasks = []
    for k, raw in enumerate(requests):
        due = started + k / rate_per_s
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(send(raw, due)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    failures = sum(count for status, count in statuses.items() if status >= 400)
    return LoadResult(latencies, wall, failures, statuses)


def run(host: str, port: int, requests: Sequence[bytes], concurrency: int) -> LoadResult:
    """`run_closed_loop` on a fresh event loop (uvloop when installed, as uvicorn uses it too)."""
    return _run_on_loop(run_closed_loop(host, port, requests, concurrency))


def run_at_rate(
    host: str, port: int, requests: Sequence[bytes], rate_per_s: float, max_in_flight: int
) -> LoadResult:
    """`run_open_loop` on a fresh event loop."""
    return _run_on_loop(run_open_loop(host, port, requests, rate_per_s, max_in_flight))


def _run_on_loop(work: Coroutine[Any, Any, LoadResult]) -> LoadResult:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(work)
    return uvloop.run(work)
