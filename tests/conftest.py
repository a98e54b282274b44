"""Shared fixtures: one database per test run, one rolled-back transaction per test, clients per role.

SQLite (a temporary file) by default; PostgreSQL when DISPATCH_TEST_DATABASE_URL is set, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``. The schema is built by the real migrations and the
`small` seed world is committed once; each test then runs inside an outer transaction whose savepoints the
app's commits release, and which is rolled back at the end, so tests never see each other's writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlmodel import Session, select

from dispatch import schema
from dispatch.app import create_app
from dispatch.auth.models import User
from dispatch.auth.service import issue_access_token
from dispatch.clock import FrozenClock
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world

TEST_DATABASE_URL = os.environ.get("DISPATCH_TEST_DATABASE_URL")
DEMO_PASSWORD = "demo-test-pw"
# 10:00 in Shanghai on a weekday: day-shift vans are on duty.
TEST_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def is_postgres() -> bool:
    return bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"))


def reset_database(settings: Settings) -> None:
    """Start from nothing: drop every table, then build the schema with the real migrations."""
    engine = make_engine(settings)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    schema.upgrade(settings)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("dispatch")
    url = TEST_DATABASE_URL or f"sqlite:///{base / 'test.db'}"
    return Settings(
        database_url=url,
        secret_key="test-secret-key-not-for-production-000000",
        background_workers=False,
        demo_password=DEMO_PASSWORD,
        upload_dir=base / "uploads",
        # Tests share one connection between the test and the app; live streams read the log when a commit
        # wakes them, and a timer read could land in the middle of a test's own statements.
        event_poll_interval_s=3600,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    reset_database(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_world(session, build_world("small"), demo_password=DEMO_PASSWORD)
        session.commit()
    yield engine
    engine.dispose()


def _connect(engine: Engine) -> Connection:
    """A connection for one test.

    Rarely, on PostgreSQL, a pooled connection comes back still inside a transaction (a background thread of
    an earlier test's app touched the shared connection after that test ended), and the pre-ping refuses it.
    That connection is test debris, not state: start from a fresh pool.
    """
    try:
        return engine.connect()
    except (ProgrammingError, psycopg.ProgrammingError):
        engine.pool.dispose()
        return engine.connect()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    connection = _connect(engine)
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


def _session_on(connection: Connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """The test's own session, inside the same rolled-back transaction as the app's requests."""
    session = _session_on(connection)
    yield session
    session.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TEST_NOW)


@pytest.fixture
def app(settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock) -> FastAPI:
    return create_app(settings, engine=engine, clock=clock, session_factory=lambda: _session_on(connection))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def token_for(engine: Engine, db: Session, settings: Settings, clock: FrozenClock) -> Callable[[str], str]:
    """A bearer token for a user, issued without the (deliberately slow) password check.

    Seeded users are read on a short session of their own, so asking for a token never opens the test's
    rolled-back transaction (on SQLite that would hold the write lock that committing tests need); users
    the test itself created are found in the test's session.
    """

    def issue(username: str) -> str:
        with Session(engine) as own:
            user = own.exec(select(User).where(User.username == username)).first()
        if user is None:
            user = db.exec(select(User).where(User.username == username)).one()
        token, _ = issue_access_token(
            user=user, key=settings.signing_key(), now=clock.now(), ttl_minutes=settings.token_ttl_minutes
        )
        return token

    return issue


@pytest.fixture
def auth(token_for: Callable[[str], str]) -> Callable[[str], dict[str, str]]:
    """Headers for a seeded user: ``client.get(url, headers=auth("agent"))``."""
    return lambda username: {"Authorization": f"Bearer {token_for(username)}"}


@pytest.fixture
def upload_dir(settings: Settings) -> Path:
    return settings.upload_dir
