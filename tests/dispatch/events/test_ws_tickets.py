"""Websocket tickets: short-lived and single-use, so bearer tokens stay out of URLs."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from dispatch.clock import FrozenClock
from dispatch.settings import Settings
from tests.dispatch.events.conftest import close_code, receive

CC = "/api/streams/call-center"
TICKET = "/api/auth/ws-ticket"


def ticket_for(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(TICKET, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["expires_at"]
    ticket: str = body["ticket"]
    return ticket


def test_a_ticket_opens_one_stream_once(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    ticket = ticket_for(client, auth("agent"))
    with client.websocket_connect(f"{CC}?ticket={ticket}") as ws:
        assert receive(ws)["type"] == "stream.ready"
    with client.websocket_connect(f"{CC}?ticket={ticket}") as ws:
        assert close_code(ws) == (1008, [])


def test_an_expired_ticket_is_refused(
    client: TestClient, auth: Callable[[str], dict[str, str]], clock: FrozenClock, settings: Settings
) -> None:
    ticket = ticket_for(client, auth("agent"))
    clock.advance(settings.ws_ticket_ttl_s + 1)
    with client.websocket_connect(f"{CC}?ticket={ticket}") as ws:
        assert close_code(ws) == (1008, [])


def test_a_ticket_carries_its_user_role(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    ticket = ticket_for(client, auth("tech001"))
    with client.websocket_connect(f"{CC}?ticket={ticket}") as ws:
        assert close_code(ws) == (1008, [])


def test_a_ticket_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.post(TICKET).status_code == 401
    with client.websocket_connect(f"{CC}?ticket=made-up") as ws:
        assert close_code(ws) == (1008, [])
