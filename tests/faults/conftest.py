"""The fault suite's world: its own PostgreSQL database, its own redis-server, two real uvicorn workers.

Everything here commits for real (other processes must see it), so the suite uses a database of its own,
``<test database>_faults``, built by the migrations and seeded with the small world, and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from dispatch import schema
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world
from tests.conftest import TEST_DATABASE_URL, is_postgres
from tests.dispatch.events.redis_server import RedisServer
from tests.dispatch.events.servers import Worker, start_worker

PASSWORD = "faults-pw"
SECRET = "faults-suite-secret-key-0123456789-abcdefghijkl"
OFFER_TIMEOUT_S = 2


@pytest.fixture(scope="module")
def faults_database() -> Iterator[str]:
    if not is_postgres():
        pytest.skip(
            "fault tests run two workers writing at once, which needs PostgreSQL "
            "(set DISPATCH_TEST_DATABASE_URL); SQLite takes one writer at a time"
        )
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_faults"
    admin = create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    faults_url = url.set(database=name).render_as_string(hide_password=False)
    settings = Settings(database_url=faults_url, secret_key=SECRET)
    schema.upgrade(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_world(session, build_world("small"), demo_password=PASSWORD)
        session.commit()
    engine.dispose()
    yield faults_url
    if os.environ.get("DISPATCH_KEEP_FAULTS_DB") != "1":
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def faults_engine(faults_database: str) -> Iterator[Engine]:
    engine = make_engine(Settings(database_url=faults_database, secret_key=SECRET), pool_size=2)
    yield engine
    engine.dispose()


@dataclass
class Cluster:
    """Two workers sharing one database and one Redis, as a load balancer would see them."""

    redis: RedisServer
    env: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    def start(self) -> None:
        """Start the workers not running (in parallel: importing the app takes seconds on a busy machine)."""
        if self.redis.process is None:
            self.redis.start()
        self.workers = self.workers or [None, None]  # type: ignore[list-item]
        down = [i for i, w in enumerate(self.workers) if w is None or w.process.poll() is not None]
        for index in down:
            if self.workers[index] is not None:
                self.workers[index].stop()  # reap the killed process, close its pipe
        with ThreadPoolExecutor(max_workers=2) as pool:
            started = list(pool.map(lambda _: start_worker(self.env), down))
        for index, worker in zip(down, started, strict=True):
            self.workers[index] = worker

    def stop(self) -> None:
        for worker in self.workers:
            if worker is not None:
                worker.stop()
        self.redis.stop()


RUN_TABLES = (
    "job_offers, job_parts, job_notes, job_attachments, tracking_links, rescue_jobs, events, gps_pings, "
    "idempotency_records, sign_in_throttles, websocket_tickets"
)


def _fresh_run(engine: Engine) -> None:
    """Each fault starts from the seeded world: no jobs, every van free."""
    with engine.begin() as db:
        db.execute(text(f"TRUNCATE {RUN_TABLES} RESTART IDENTITY CASCADE"))
        db.execute(text("UPDATE vans SET current_job_id = NULL, status = 'available'"))


@pytest.fixture(scope="module")
def running_cluster(faults_database: str) -> Iterator[Cluster]:
    redis = RedisServer()
    env = {
        "DISPATCH_DATABASE_URL": faults_database,
        "DISPATCH_REDIS_URL": redis.url,
        "DISPATCH_REDIS_CHANNEL": f"dispatch-faults:{uuid.uuid4()}",
        "DISPATCH_SECRET_KEY": SECRET,
        "DISPATCH_BACKGROUND_WORKERS": "true",
        "DISPATCH_OFFER_TIMEOUT_S": str(OFFER_TIMEOUT_S),
        "DISPATCH_OFFER_SWEEP_INTERVAL_S": "0.5",
        "DISPATCH_EVENT_POLL_INTERVAL_S": "1",
    }
    cluster = Cluster(redis=redis, env=env)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(running_cluster: Cluster, faults_engine: Engine) -> Cluster:
    """The cluster with both workers and Redis up (again, after an earlier fault), on a fresh world."""
    running_cluster.start()
    _fresh_run(faults_engine)
    return running_cluster
