"""Sign-in is limited per account and per client address, with a lockout admins can see.

The counters are in the database, so two apps (two workers) on one database share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from dispatch.app import create_app
from dispatch.clock import FrozenClock
from dispatch.settings import Settings
from tests.conftest import DEMO_PASSWORD

TOKEN = "/api/auth/token"


def sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post(TOKEN, data={"username": username, "password": password}).status_code


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, settings: Settings, auth: Callable[[str], dict[str, str]]
) -> None:
    limit = settings.sign_in_max_failures_per_account
    assert [sign_in(client, "agent", "wrong") for _ in range(limit - 1)] == [401] * (limit - 1)
    locked = client.post(TOKEN, data={"username": "agent", "password": "wrong"})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.sign_in_lockout_s
    assert locked.json()["error"]["code"] == "too_many_attempts"
    again = client.post(TOKEN, data={"username": "agent", "password": DEMO_PASSWORD})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
    assert sign_in(client, "planner", DEMO_PASSWORD) == 200  # other accounts are not affected

    seen = client.get("/api/admin/security-events", headers=auth("admin"))
    assert seen.status_code == 200
    lockouts = [e for e in seen.json() if e["kind"] == "auth.lockout"]
    assert [e["data"]["key"] for e in lockouts] == ["account:agent"]
    assert client.get("/api/admin/security-events", headers=auth("agent")).status_code == 403


def test_the_lockout_ends_after_its_time(client: TestClient, settings: Settings, clock: FrozenClock) -> None:
    for _ in range(settings.sign_in_max_failures_per_account):
        sign_in(client, "planner", "wrong")
    assert sign_in(client, "planner", DEMO_PASSWORD) == 429
    clock.advance(settings.sign_in_lockout_s + 1)
    assert sign_in(client, "planner", DEMO_PASSWORD) == 200


def test_a_success_clears_the_account_count(client: TestClient, settings: Settings) -> None:
    below = settings.sign_in_max_failures_per_account - 1
    for _ in range(2):
        assert [sign_in(client, "agent", "wrong") for _ in range(below)] == [401] * below
        assert sign_in(client, "agent", DEMO_PASSWORD) == 200


@pytest.fixture
def two_workers(
    settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database, with a small per-address limit, as two workers behind one address."""
    small = settings.model_copy(update={"sign_in_max_failures_per_address": 4})

    def make() -> FastAPI:
        def session() -> Session:
            return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

        return create_app(small, engine=engine, clock=clock, session_factory=session)

    with TestClient(make()) as a, TestClient(make()) as b:
        yield a, b


def test_an_address_guessing_across_accounts_and_workers_is_locked_out(
    two_workers: tuple[TestClient, TestClient],
) -> None:
    a, b = two_workers
    assert [sign_in(a, "nobody1", "x"), sign_in(b, "nobody2", "x"), sign_in(a, "nobody3", "x")] == [401] * 3
    assert sign_in(b, "nobody4", "x") == 429
    assert sign_in(a, "agent", DEMO_PASSWORD) == 429
