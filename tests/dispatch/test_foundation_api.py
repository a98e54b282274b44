"""Health, auth, roles and the error shape, through the public HTTP API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from dispatch.app import create_app
from dispatch.clock import FrozenClock
from dispatch.settings import Settings
from tests.conftest import DEMO_PASSWORD, _session_on

Auth = Callable[[str], dict[str, str]]


def test_health_checks_the_database(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"]


def test_login_issues_a_token_that_works(client: TestClient) -> None:
    response = client.post("/api/auth/token", data={"username": "agent", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "agent"
    assert me.json()["role"] == "agent"


def test_wrong_password_is_401(client: TestClient) -> None:
    response = client.post("/api/auth/token", data={"username": "agent", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/auth/me"),
        ("get", "/api/fleet/vans"),
        ("get", "/api/fleet/stations"),
        ("get", "/api/admin/users"),
    ],
)
def test_no_token_is_401(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_garbage_and_expired_tokens_are_401(
    client: TestClient, auth: Callable[[str], dict[str, str]], clock
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    headers = auth("agent")
    clock.advance(13 * 3600)
    assert client.get("/api/auth/me", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("username", "path", "expected"),
    [
        ("tech001", "/api/fleet/vans", 403),
        ("agent", "/api/admin/users", 403),
        ("planner", "/api/admin/users", 403),
        ("admin", "/api/admin/users", 200),
        ("agent", "/api/fleet/vans", 200),
        ("planner", "/api/fleet/stations", 200),
    ],
)
def test_roles(
    client: TestClient, auth: Callable[[str], dict[str, str]], username: str, path: str, expected: int
) -> None:
    response = client.get(path, headers=auth(username))
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error"]["code"] == "forbidden"


def test_unknown_van_is_404_in_the_error_shape(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    response = client.get("/api/fleet/vans/999999", headers=auth("agent"))
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "field", "details"}


def test_422_names_the_field(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    response = client.get("/api/fleet/vans?limit=0", headers=auth("agent"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "limit"

    response = client.post(
        "/api/admin/users",
        json={"username": "x y", "display_name": "X", "password": "longenough", "role": "agent"},
        headers=auth("admin"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "username"


def test_malformed_json_is_422_not_500(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    headers = {**auth("admin"), "Content-Type": "application/json"}
    response = client.post("/api/admin/users", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_admin_creates_users_and_duplicates_conflict(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    body = {"username": "agent7", "display_name": "坐席七", "password": "longenough", "role": "agent"}
    assert client.post("/api/admin/users", json=body, headers=auth("admin")).status_code == 201
    again = client.post("/api/admin/users", json=body, headers=auth("admin"))
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "username"
    login = client.post("/api/auth/token", data={"username": "agent7", "password": "longenough"})
    assert login.status_code == 200


def test_technician_account_needs_a_technician(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    body = {"username": "tech-x", "display_name": "X", "password": "longenough", "role": "technician"}
    response = client.post("/api/admin/users", json=body, headers=auth("admin"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "technician_id"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_body_larger_than_any_request_needs_is_413_before_it_is_parsed(
    settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock, auth: Auth, streamed: bool
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 100 * 1024})
    app = create_app(small, engine=engine, clock=clock, session_factory=lambda: _session_on(connection))
    chunks = [b'{"caller_name": "', *[b"x" * 4096] * 100, b'"}']
    body: Iterator[bytes] | bytes = iter(chunks) if streamed else b"".join(chunks)
    with TestClient(app) as client:
        response = client.post(
            "/api/call-center/jobs",
            content=body,
            headers={**auth("agent"), "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_that_is_not_json_is_422_naming_the_body(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/api/call-center/jobs",
        content=b'{"caller_name": ',
        headers={**auth("agent"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["field"] == "body"
    assert "not valid JSON" in error["message"] and "有效的 JSON" in error["message"]
