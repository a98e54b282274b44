"""While the database is unreachable the API answers 503 with Retry-After, in the shared error shape."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from dispatch.api.errors import install_error_handlers
from dispatch.app import create_app
from dispatch.settings import Settings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens here once the probe is closed


@pytest.fixture
def client_without_database(settings: Settings) -> Iterator[TestClient]:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere?connect_timeout=2"
    down = settings.model_copy(update={"database_url": url, "background_workers": False})
    with TestClient(create_app(down), raise_server_exceptions=False) as client:
        yield client


def test_sign_in_answers_503_with_retry_after_when_the_database_is_down(
    client_without_database: TestClient,
) -> None:
    response = client_without_database.post("/api/auth/token", data={"username": "agent", "password": "x"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "Traceback" not in response.text and "psycopg" not in response.text


def test_health_says_unavailable_with_retry_after(client_without_database: TestClient) -> None:
    response = client_without_database.get("/health")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json()["database"] == "unreachable"


def test_a_deadlock_victim_is_told_to_retry_not_that_the_database_is_down() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/claim")
    def claim() -> None:
        raise OperationalError("UPDATE vans ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))

    response = TestClient(app, raise_server_exceptions=False).post("/claim")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    error = response.json()["error"]
    assert error["code"] == "transaction_conflict" and "重试" in error["message"]
    assert "deadlock" not in response.text and "UPDATE" not in response.text
