"""Helpers for live-stream tests: commit events the way the app does, read websockets with a timeout.

Every test's sessions share one connection (the rolled-back outer transaction). Streams read the database
from worker threads while requests run, and two sessions using one PostgreSQL connection at once corrupt
each other's savepoints, so here each session holds a lock on that connection for its lifetime.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session
from starlette.testclient import WebSocketTestSession

from dispatch.app import create_app
from dispatch.clock import FrozenClock
from dispatch.events.service import record_event
from dispatch.settings import Settings

NINGBO = "330200"
TAIZHOU = "331000"


def commit_events(app: FastAPI, clock: FrozenClock, *events: dict[str, Any]) -> list[int]:
    """Append events in one transaction through the app's own session factory, so they are published."""
    session: Session = app.state.session_factory()
    with session:
        rows = [record_event(session, at=clock.now(), **{"actor": "test", **fields}) for fields in events]
        session.commit()
    return [row.id for row in rows if row.id is not None]


def job_event(job_id: uuid.UUID | None = None, city: str = NINGBO, **fields: Any) -> dict[str, Any]:
    return {"kind": "job.status", "job_id": job_id or uuid.uuid4(), "city_adcode": city, **fields}


def receive(ws: WebSocketTestSession, timeout_s: float = 5.0) -> dict[str, Any]:
    """The next message as JSON; fails (instead of hanging) when nothing comes, raises on close."""
    message = _next(ws, timeout_s)
    ws._raise_on_close(message)  # noqa: SLF001
    parsed: dict[str, Any] = json.loads(message["text"])
    return parsed


def receive_events(ws: WebSocketTestSession, count: int) -> list[dict[str, Any]]:
    """The next `count` event messages, skipping control messages other than heartbeats."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        message = receive(ws)
        if message["event_id"] is not None:
            events.append(message)
    return events


def close_code(ws: WebSocketTestSession, timeout_s: float = 5.0) -> tuple[int, list[dict[str, Any]]]:
    """Read until the server closes; the close code and the messages received before it."""
    before: list[dict[str, Any]] = []
    while True:
        message = _next(ws, timeout_s)
        if message["type"] == "websocket.close":
            return int(message["code"]), before
        before.append(json.loads(message["text"]))


def _next(ws: WebSocketTestSession, timeout_s: float) -> Any:
    async def get() -> Any:
        with anyio.fail_after(timeout_s):
            return await ws._send_rx.receive()  # noqa: SLF001

    return ws.portal.call(get)


class SerialSession(Session):
    """A session on the shared test connection that has it to itself until closed."""

    def __init__(self, connection: Connection, lock: threading.Lock) -> None:
        lock.acquire()
        self._connection_lock: threading.Lock | None = lock
        super().__init__(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def close(self) -> None:
        try:
            super().close()
        finally:
            lock, self._connection_lock = self._connection_lock, None
            if lock is not None:
                lock.release()


def serial_sessions(connection: Connection) -> Callable[[], Session]:
    lock = threading.Lock()
    return lambda: SerialSession(connection, lock)


@pytest.fixture
def app(settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock) -> FastAPI:
    return create_app(settings, engine=engine, clock=clock, session_factory=serial_sessions(connection))


@pytest.fixture
def make_client(
    settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock
) -> Iterator[Callable[..., TestClient]]:
    """A TestClient for an app with some settings changed (queue size, heartbeat interval)."""
    clients: list[TestClient] = []
    sessions = serial_sessions(connection)

    def make(**overrides: Any) -> TestClient:
        custom = settings.model_copy(update=overrides)
        app = create_app(custom, engine=engine, clock=clock, session_factory=sessions)
        test_client = TestClient(app)
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)
