"""The call-center board in a real browser: first full render, and a status change (HTTP) to the screen.

Set-up, created by the benchmark: a fresh SQLite database (the embedded default) with the national demo world
(338 stations, 300 rescue vans), served by ``uvicorn dispatch.app:create_app``, and 500 open jobs created
through the call-center API near the stations. Chromium (``/usr/bin/chromium``, driven by Playwright) signs
in as an agent and opens ``/console``.

- First full render: from navigation to the board showing all 500 jobs (the page's own API calls, the map
  and the stream included); beside it, the floor of a bare HTTP client reading the same job lists.
- Status change to screen: 200 jobs are cancelled one after another through the API. For each, the time
  from just before the HTTP call until (a) a bare websocket client on ``/api/streams/call-center`` receives
  the event (the floor), (b) the board's DOM no longer lists the job (a MutationObserver in the page), and
  (c) the next frame after that change is drawn. All clocks are the same machine's wall clock (ms).

``python -m benchmarks.console [--quick]``. Needs Chromium and the playwright package (the ``bench`` extra);
it fails rather than skips when they are missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session
from websockets.asyncio.client import connect

from dispatch import schema
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world

PASSWORD = "bench-console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")

# Watches the board: when a watched job's row leaves it, note the time, and the time of the next frame.
_WATCHER = """
window.__watch = new Map();
const board = document.querySelector('#board tbody');
new MutationObserver(() => {
  for (const [ref, seen] of window.__watch) {
    if (seen.dom === null && !board.querySelector(`tr[data-reference="${ref}"]`)) {
      seen.dom = Date.now();
      requestAnimationFrame(() => { seen.frame = Date.now(); });
    }
  }
}).observe(board, { childList: true });
"""


def prepare_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'console-bench.db'}"
    settings = Settings(database_url=url, secret_key="x" * 40)
    schema.upgrade(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_world(session, build_world("national"), demo_password=PASSWORD)
        session.commit()
    engine.dispose()
    return url


def start_server(database_url: str, directory: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "DISPATCH_DATABASE_URL": database_url,
        "DISPATCH_SECRET_KEY": secrets.token_urlsafe(32),
        "DISPATCH_BACKGROUND_WORKERS": "false",
        "DISPATCH_REDIS_URL": "",
        "DISPATCH_UPLOAD_DIR": str(directory / "uploads"),
    }
    command = [sys.executable, "-m", "uvicorn", "dispatch.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        match = _RUNNING.search(line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
            return process, f"http://127.0.0.1:{match.group(1)}"
    raise RuntimeError("server did not start:\n" + "".join(lines[-20:]))


def stop_server(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def sign_in(client: httpx.AsyncClient, username: str) -> str:
    response = await client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def create_jobs(client: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    """`count` open jobs near random stations (some inside a van's reach, all on the board)."""
    stations = (await client.get("/api/fleet/stations")).json()
    rng = random.Random(11)
    semaphore = asyncio.Semaphore(8)

    async def one(n: int) -> dict[str, Any]:
        station = rng.choice(stations)
        body = {
            "caller_name": "压测",
            "caller_phone": f"139{n:08d}",
            "vehicle": {"plate": f"测{n:05d}{rng.choice('ABCDEFGH')}", "powertrain": "ice"},
            "fault_category": rng.choice(["flat_tyre", "battery", "wont_start"]),
            "location": {
                "lat": station["lat"] + rng.uniform(-0.3, 0.3),
                "lon": station["lon"] + rng.uniform(-0.3, 0.3),
            },
        }
        async with semaphore:
            response = await client.post("/api/call-center/jobs", json=body)
        assert response.status_code == 201, response.text
        job: dict[str, Any] = response.json()["job"]
        return job

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def read_board_lists(client: httpx.AsyncClient) -> int:
    """The floor of a first render: the same list requests the board makes, without a browser."""
    rows, offset = 0, 0
    while True:
        params = {"open": "true", "limit": 500, "offset": offset}
        page = (await client.get("/api/call-center/jobs", params=params)).json()
        rows, offset = rows + len(page), offset + 500
        if len(page) < 500:
            return rows


async def open_board(browser: Any, url: str, expected_rows: int) -> tuple[Any, float]:
    """A signed-in page on /console; seconds from navigation to all rows on the board."""
    context = await browser.new_context(base_url=url, viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/console/login")
    await page.fill("input[name=username]", "agent")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console")
    await page.wait_for_selector("body[data-ready=true]")
    started = time.perf_counter()
    await page.reload()
    await page.wait_for_function(
        f"document.body.dataset.ready === 'true' && "
        f"document.querySelectorAll('#board tbody tr').length >= {expected_rows}",
        polling="raf",
        timeout=120_000,
    )
    marks = await page.evaluate(
        "performance.getEntriesByType('mark').map(m => `${m.name} ${Math.round(m.startTime)} ms`).join(', ')"
    )
    print(f"  page marks: {marks}", file=sys.stderr, flush=True)
    return page, time.perf_counter() - started


class FloorClient:
    """A bare websocket client on the call-center stream in its own process (so neither the browser driver
    nor the GIL delays its receipts); it prints ``job_id receipt_time`` for each cancellation it sees."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.replace("http://", "ws://") + "/api/streams/call-center"
        self.token = token
        self.seen: dict[str, float] = {}
        self.ready = threading.Event()

    def __enter__(self) -> FloorClient:
        command = [sys.executable, "-m", "benchmarks.console", "--floor-client", self.url]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy()
        )
        assert self.process.stdin is not None
        self.process.stdin.write(self.token + "\n")
        self.process.stdin.flush()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            raise RuntimeError("the bare websocket client did not connect")
        return self

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == "ready":
                self.ready.set()
                continue
            job_id, received_at = line.split()
            self.seen.setdefault(job_id, float(received_at))

    def __exit__(self, *_exc: object) -> None:
        stop_server(self.process)


async def floor_client(url: str) -> None:
    """The floor client's own process: sign in with the token on stdin, print each cancellation's receipt."""
    token = sys.stdin.readline().strip()
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv())["type"] == "stream.ready"
        print("ready", flush=True)
        async for message in ws:
            received_at = time.time()
            payload = json.loads(message).get("payload", {})
            if payload.get("to_status") == "cancelled":
                print(payload["job_id"], f"{received_at:.6f}", flush=True)


async def measure_changes(
    page: Any, client: httpx.AsyncClient, url: str, token: str, jobs: list[dict[str, Any]]
) -> dict[str, list[float]]:
    """Cancel each job; latencies (s) to the bare websocket client, the board's DOM and the next frame."""
    await page.evaluate(_WATCHER)
    results: dict[str, list[float]] = {"floor": [], "dom": [], "frame": [], "http": []}
    with FloorClient(url, token) as floor:
        for job in jobs:
            await page.evaluate("ref => window.__watch.set(ref, {dom: null, frame: null})", job["reference"])
            started = time.time()
            response = await client.post(
                f"/api/call-center/jobs/{job['id']}/cancel", json={"reason": "压测 / benchmark"}
            )
            answered = time.time()
            assert response.status_code == 200, response.text
            seen = await page.wait_for_function(
                "ref => { const s = window.__watch.get(ref); return s.frame !== null && s; }",
                arg=job["reference"],
                timeout=30_000,
            )
            marks = await seen.json_value()
            deadline = time.monotonic() + 30
            while job["id"] not in floor.seen and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            results["floor"].append(floor.seen[job["id"]] - started)
            results["dom"].append(marks["dom"] / 1000 - started)
            results["frame"].append(marks["frame"] / 1000 - started)
            results["http"].append(answered - started)
    return results


async def run(jobs_count: int, changes: int, loads: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: apt-get install chromium fonts-wqy-zenhei")
    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        directory = Path(tmp)
        print("seeding the national world ...", file=sys.stderr, flush=True)
        database_url = prepare_database(directory)
        process, url = start_server(database_url, directory)
        try:
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                token = await sign_in(client, "agent")
                client.headers["Authorization"] = f"Bearer {token}"
                print(f"creating {jobs_count} jobs ...", file=sys.stderr, flush=True)
                jobs = await create_jobs(client, jobs_count)
                open_rows = await read_board_lists(client)
                floor_render = []
                for _ in range(loads):
                    started = time.perf_counter()
                    await read_board_lists(client)
                    floor_render.append(time.perf_counter() - started)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    renders = []
                    page = None
                    for _ in range(loads):
                        if page is not None:
                            await page.context.close()
                        page, seconds = await open_board(browser, url, open_rows)
                        renders.append(seconds)
                    assert page is not None
                    print(f"measuring {changes} status changes ...", file=sys.stderr, flush=True)
                    latencies = await measure_changes(page, client, url, token, jobs[:changes])
                    await browser.close()
        finally:
            stop_server(process)
    return {"rows": open_rows, "render": renders, "render_floor": floor_render, **latencies}


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def print_table(result: dict[str, Any], changes: int) -> None:
    render, render_floor = statistics.median(result["render"]), statistics.median(result["render_floor"])
    floor_p99 = ms(result["floor"], 0.99)
    print(f"Call-center board, national seed, {result['rows']} open jobs, {changes} status changes (ms)")
    print(f"{'measure':44}{'p50':>9}{'p99':>9}{'p99/floor':>11}")
    print(f"{'first render, median of loads':44}{1000 * render:>9.1f}{'':>9}{render / render_floor:>11.2f}")
    print(f"{'  floor: the same job lists over bare HTTP':44}{1000 * render_floor:>9.1f}")
    rows = [
        ("the HTTP call itself (cancel)", "http"),
        ("change -> bare websocket client (floor)", "floor"),
        ("change -> board DOM updated", "dom"),
        ("change -> next frame drawn", "frame"),
    ]
    figures: dict[str, Any] = {
        "rows": result["rows"],
        "render_ms": round(1000 * render, 1),
        "render_floor_ms": round(1000 * render_floor, 1),
    }
    for label, key in rows:
        p50, p99 = ms(result[key], 0.5), ms(result[key], 0.99)
        print(f"{label:44}{p50:>9.1f}{p99:>9.1f}{p99 / floor_p99 if floor_p99 else float('nan'):>11.2f}")
        figures |= {f"{key}_p50_ms": p50, f"{key}_p99_ms": p99}
    figures["dom_p99_over_floor"] = round(figures["dom_p99_ms"] / floor_p99, 2) if floor_p99 else None
    figures["frame_p99_over_floor"] = round(figures["frame_p99_ms"] / floor_p99, 2) if floor_p99 else None
    print(json.dumps(figures))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--loads", type=int, default=3, help="first-render measurements")
    parser.add_argument("--quick", action="store_true", help="100 jobs, 30 changes, 1 load")
    parser.add_argument("--floor-client", metavar="WS_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_client:
        asyncio.run(floor_client(args.floor_client))
        return 0
    if args.quick:
        args.jobs, args.changes, args.loads = 100, 30, 1
    result = asyncio.run(run(args.jobs, min(args.changes, args.jobs), args.loads))
    print_table(result, min(args.changes, args.jobs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
