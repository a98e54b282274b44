"""Outbox throughput: notifications/s delivered to a local webhook receiver, on PostgreSQL.

- ``floor``: bare HTTP POSTs of the same signed-size JSON bodies to the same receiver, from this process,
  with the same client settings and the same number of sending threads as the delivery worker;
- ``outbox``: the delivery worker draining the outbox (claim a batch with ``FOR UPDATE SKIP LOCKED``, sign
  and POST each webhook, record the outcomes) until every notification is delivered;
- ``outbox, 2 workers``: two delivery workers draining the same outbox at once, claiming with SKIP LOCKED
  (every notification must end delivered, which is checked). They are threads of this one process and
  share its GIL and the one receiver, so this row shows they work together, not how they scale.

The notifications are written by the real outbox hook: events appended with ``record_event`` in batches,
each fanned out to the subscriber in the same transaction (the write rate is shown too). The receiver is
a separate uvicorn process. Creates its own database (``--database-url``) and fails if PostgreSQL is not
there. Target: the outbox at least half the floor. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, select

from dispatch import schema
from dispatch.clock import SystemClock
from dispatch.db import make_engine
from dispatch.events.service import record_event
from dispatch.followups.hooks import install_after_sales_hooks
from dispatch.notifications.models import DeliveryStatus, Notification
from dispatch.notifications.service import create_subscriber
from dispatch.notifications.worker import NotificationDelivery
from dispatch.settings import Settings

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/notify_bench"
RECEIVER_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
"""


def prepare_database(url: str) -> Settings:
    admin_url, name = url.rsplit("/", 1)
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    settings = Settings(database_url=url, secret_key="x" * 40, background_workers=False)
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    schema.upgrade(settings)
    return settings


def start_receiver(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "bench_receiver.py").write_text(RECEIVER_APP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench_receiver:app", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(folder)},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/hook"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(url, content=b"{}")
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the webhook receiver did not start")


def enqueue(settings: Settings, subscriber_url: str, count: int) -> tuple[float, str]:
    """Write `count` events (100 per transaction); the hook adds one webhook notification for each."""
    engine = make_engine(settings)
    with Session(engine) as session:
        subscriber = create_subscriber(
            session=session, name="bench", url=subscriber_url, event_kinds=["bench.*"], secret=None,
            now=datetime.now(UTC),
        )  # fmt: skip
        session.commit()
        secret = subscriber.secret
    started = time.perf_counter()
    for first in range(0, count, 100):
        with Session(engine) as session:
            for n in range(first, min(first + 100, count)):
                record_event(
                    session, kind="bench.tick", actor="bench", at=datetime.now(UTC), city_adcode="330200",
                    data={"n": n, "note": "救援车已出发 / van on its way", "plate": "浙B12345"},
                )  # fmt: skip
            session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, secret


def drain(settings: Settings, workers: int, count: int) -> float:
    engine = make_engine(settings)
    deliveries = [
        NotificationDelivery(
            session_factory=lambda: Session(engine, expire_on_commit=False),
            settings=settings,
            clock=SystemClock(),
        )
        for _ in range(workers)
    ]
    started = time.perf_counter()
    threads = [threading.Thread(target=d.drain) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for delivery in deliveries:
        delivery.close()
    with Session(engine) as session:
        delivered = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == DeliveryStatus.DELIVERED)
        ).one()
    engine.dispose()
    if delivered != count:
        raise SystemExit(f"only {delivered} of {count} notifications were delivered")
    return elapsed


def floor(url: str, bodies: list[bytes], settings: Settings) -> float:
    client = httpx.Client(
        timeout=settings.notify_http_timeout_s,
        limits=httpx.Limits(max_connections=settings.notify_concurrency * 2),
    )
    headers = {"Content-Type": "application/json", "X-Dispatch-Signature": "sha256=" + "0" * 64}

    def post(body: bytes) -> None:
        client.post(url, content=body, headers=headers).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(settings.notify_concurrency) as pool:
        list(pool.map(post, bodies))
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed


def reset_outbox(settings: Settings) -> None:
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE notifications SET status = 'pending', attempts = 0, delivered_at = NULL, "
                "next_attempt_at = now()"
            )
        )
    engine.dispose()


def sample_bodies(settings: Settings) -> list[bytes]:
    engine = make_engine(settings)
    with Session(engine) as session:
        bodies = [(body or "").encode() for body in session.exec(select(Notification.body))]
    engine.dispose()
    return bodies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="1,000 notifications")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    count = 1000 if args.quick else args.count
    install_after_sales_hooks()
    settings = prepare_database(args.database_url)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        receiver, url = start_receiver(Path(folder))
        try:
            write_s, _ = enqueue(settings, url, count)
            bodies = sample_bodies(settings)
            # The floor runs before and after the outbox, and the faster run counts: a shared machine's
            # noise then cannot flatter the outbox's ratio.
            floor_s = floor(url, bodies, settings)
            one_s = drain(settings, 1, count)
            floor_s = min(floor_s, floor(url, bodies, settings))
            reset_outbox(settings)
            two_s = drain(settings, 2, count)
        finally:
            receiver.terminate()
            receiver.wait()
    rates = {
        "floor (bare POSTs)": count / floor_s,
        "outbox": count / one_s,
        "outbox, 2 workers": count / two_s,
    }
    print(
        f"Webhook delivery on PostgreSQL, {count} notifications, "
        f"{settings.notify_concurrency} sending threads"
    )
    print(f"{'setup':22}{'seconds':>10}{'per s':>10}{'÷ floor':>10}")
    for name, rate in rates.items():
        print(f"{name:22}{count / rate:>10.2f}{rate:>10.0f}{rate / rates['floor (bare POSTs)']:>10.2f}")
    print(f"{'(outbox writes)':22}{write_s:>10.2f}{count / write_s:>10.0f}{'':>10}")
    floor_rate = rates["floor (bare POSTs)"]
    print(
        json.dumps(
            {
                "notifications": count,
                "floor_per_s": round(floor_rate),
                "outbox_per_s": round(rates["outbox"]),
                "outbox_2_workers_per_s": round(rates["outbox, 2 workers"]),
                "outbox_over_floor": round(rates["outbox"] / floor_rate, 2),
                "outbox_writes_per_s": round(count / write_s),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
