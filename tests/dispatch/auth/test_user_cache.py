"""A token's user is remembered for a few seconds per worker: a disabled user is refused once that passes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from dispatch.app import create_app
from dispatch.auth.models import User
from dispatch.clock import FrozenClock
from dispatch.settings import Settings
from tests.conftest import _session_on

Auth = Callable[[str], dict[str, str]]
ME = "/api/auth/me"


def _disable(db: Session, username: str) -> None:
    user = db.exec(select(User).where(User.username == username)).one()
    user.is_active = False
    db.add(user)
    db.commit()


def test_a_disabled_user_is_refused_once_the_cache_time_has_passed(
    client: TestClient, auth: Auth, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("dispatch.auth.user_cache.time.monotonic", lambda: now[0])
    headers = auth("agent")
    assert client.get(ME, headers=headers).status_code == 200
    _disable(db, "agent")
    now[0] += 1.0
    assert client.get(ME, headers=headers).status_code == 200  # within auth_user_cache_s (5 s)
    now[0] += 5.0
    refused = client.get(ME, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_with_no_cache_every_request_reads_the_user(
    settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock, auth: Auth, db: Session
) -> None:
    uncached = settings.model_copy(update={"auth_user_cache_s": 0.0})
    app = create_app(uncached, engine=engine, clock=clock, session_factory=lambda: _session_on(connection))
    headers = auth("planner")
    with TestClient(app) as client:
        assert client.get(ME, headers=headers).status_code == 200
        _disable(db, "planner")
        assert client.get(ME, headers=headers).status_code == 401


def test_the_cache_is_per_user(client: TestClient, auth: Auth, db: Session) -> None:
    agent, planner = auth("agent"), auth("planner")
    assert client.get(ME, headers=agent).json()["username"] == "agent"
    assert client.get(ME, headers=planner).json()["username"] == "planner"
    assert client.get(ME, headers=agent).json()["role"] == "agent"
