"""The owner's link follows the crew through the day: stops done before theirs, then their own visit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.fleet.models import Technician
from tests.dispatch.events.conftest import make_client, receive  # noqa: F401  (a fixture)
from tests.dispatch.tracking.conftest import TrackedBooking

Auth = Callable[[str], dict[str, str]]


def _crew_of(db: Session, tracked: TrackedBooking) -> str:
    username = db.exec(
        select(User.username).join(Technician).where(Technician.van_id == tracked.van.id)
    ).first()
    assert username is not None
    return username


def _tracking_update(ws: Any) -> dict[str, Any]:
    while True:
        message = receive(ws)
        if message["type"] == "tracking.update":
            payload: dict[str, Any] = message["payload"]
            return payload


def test_the_owner_stream_counts_down_the_stops_and_shows_their_visit_under_way(
    make_client: Callable[..., TestClient],  # noqa: F811  (the fixture imported above)
    auth: Auth,
    db: Session,
    tracked_booking: Any,
) -> None:
    tracked = tracked_booking(position=1)
    crew = auth(_crew_of(db, tracked))
    first, mine = tracked.visits
    # These sessions take turns on the test's connection, and a write request holds its session while it
    # reads the caller: so the caller is read once up front and remembered for the test.
    client = make_client(auth_user_cache_s=3600)
    assert client.get("/api/field/me", headers=crew).status_code == 200

    def move(visit_id: int | None, status: str) -> None:
        response = client.post(f"/api/field/visits/{visit_id}/status", json={"status": status}, headers=crew)
        assert response.status_code == 200, response.text

    with client.websocket_connect(f"/api/track/{tracked.link.token}/ws") as ws:
        snapshot = receive(ws)
        assert snapshot["payload"]["stops_before_yours"] == 1
        assert snapshot["payload"]["visit_status"] == "planned"
        assert receive(ws)["type"] == "stream.ready"
        move(first.id, "in_progress")  # the stop before: still ahead of them, nothing new to show
        move(first.id, "completed")
        assert _tracking_update(ws)["stops_before_yours"] == 0
        move(mine.id, "in_progress")
        under_way = _tracking_update(ws)
        assert under_way["visit_status"] == "in_progress" and under_way["status"] == "booked"
        assert under_way["status_text"].startswith("技师正在为您服务 / ")
        move(mine.id, "completed")
        done = _tracking_update(ws)
    assert done["status"] == "served" and done["visit_status"] == "completed"


def test_the_crews_other_tablet_hears_the_visit_move(
    make_client: Callable[..., TestClient],  # noqa: F811  (the fixture imported above)
    auth: Auth,
    token_for: Callable[[str], str],
    db: Session,
    tracked_booking: Any,
) -> None:
    tracked = tracked_booking(position=0)
    username = _crew_of(db, tracked)
    crew = auth(username)
    client = make_client(auth_user_cache_s=3600)
    assert client.get("/api/field/me", headers=crew).status_code == 200
    with client.websocket_connect(f"/api/streams/technician?token={token_for(username)}") as ws:
        assert receive(ws)["type"] == "stream.ready"
        visit = tracked.visits[0]
        response = client.post(
            f"/api/field/visits/{visit.id}/status", json={"status": "in_progress"}, headers=crew
        )
        assert response.status_code == 200, response.text
        message = receive(ws)
    assert message["type"] == "visit.started"
    assert message["payload"]["booking_id"] == str(tracked.booking.id)
