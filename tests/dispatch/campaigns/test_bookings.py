"""Booking through the call-center API: feasible windows, book, reschedule, cancel, and clear 4xx errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.tracking.models import TrackingLink
from tests.dispatch.campaigns.conftest import (
    DAY_1,
    DAY_2,
    NINGHAI_SEAT,
    CampaignFactory,
    book,
    local,
    ninghai_owners,
)

Auth = Callable[[str], dict[str, str]]


def test_availability_lists_feasible_windows_per_day(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = create_campaign()
    lat, lon = NINGHAI_SEAT
    response = client.get(
        f"/api/planner/campaigns/{campaign['id']}/availability",
        params={"service_code": "repair", "lat": lat, "lon": lon},
        headers=auth("agent"),
    )
    assert response.status_code == 200, response.text
    days = response.json()["days"]
    assert [d["service_date"] for d in days] == [DAY_1.isoformat(), DAY_2.isoformat()]
    windows = days[0]["windows"]
    assert [w["label"][-11:] for w in windows][:2] == ["07:00–09:00", "09:00–11:00"]
    feasible = {w["label"][-11:]: w["feasible"] for w in windows}
    # The vans leave the host station in Ningbo at 07:00 and need ~1.5 h to reach Ninghai; the last window
    # would end their shift on site, so it is not offered as feasible.
    assert feasible["09:00–11:00"] and feasible["13:00–15:00"]
    assert not feasible["17:00–19:00"]


def test_agent_books_and_gets_reference_and_tracking_token(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    owner = ninghai_owners(db)[0]
    response = book(client, auth("agent"), campaign["id"], owner_id=owner.id)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["reference"].startswith("BK-")
    assert booking["owner_name"] == owner.name and booking["phone"] == owner.phone
    assert datetime.fromisoformat(booking["window"]["start"]) == local(DAY_1, 9)
    assert datetime.fromisoformat(booking["window"]["end"]) == local(DAY_1, 11)
    assert booking["tracking_url"].endswith(booking["tracking_token"])
    link = db.get(TrackingLink, booking["tracking_token"])
    assert link is not None and str(link.booking_id) == booking["id"]
    kinds = [e.kind for e in db.exec(select(Event).where(Event.booking_id == link.booking_id))]
    assert kinds == ["booking.created"]
    day = client.get(f"/api/planner/campaigns/{campaign['id']}", headers=auth("agent")).json()["days"][0]
    assert day["booked_count"] == 1 and day["version"] == 2


def test_gathering_point_booking_goes_to_the_point(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = create_campaign(mode="gathering_points")
    point = campaign["gathering_points"][1]
    response = book(client, auth("agent"), campaign["id"], gathering_point=point["name"])
    assert response.status_code == 201, response.text
    assert (response.json()["lat"], response.json()["lon"]) == (point["lat"], point["lon"])
    missing = book(client, auth("agent"), campaign["id"], lat=NINGHAI_SEAT[0], lon=NINGHAI_SEAT[1])
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "gathering_point"


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_bad_requests_say_which_field(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = create_campaign()
    lat, lon = NINGHAI_SEAT
    headers = auth("agent")
    outside_dates = book(client, headers, campaign["id"], day=DAY_1.replace(day=30), lat=lat, lon=lon)
    assert outside_dates.status_code == 422 and _error(outside_dates)["field"] == "service_date"
    not_a_service_day = book(client, headers, campaign["id"], day=DAY_1.replace(day=26), lat=lat, lon=lon)
    assert not_a_service_day.status_code == 422 and _error(not_a_service_day)["field"] == "service_date"
    # Ningbo city centre is outside the Ninghai campaign.
    outside_area = book(client, headers, campaign["id"], lat=29.87, lon=121.55)
    assert outside_area.status_code == 422 and _error(outside_area)["field"] == "lat"
    unknown_service = book(client, headers, campaign["id"], service_code="painting", lat=lat, lon=lon)
    assert unknown_service.status_code == 422 and _error(unknown_service)["field"] == "service_code"
    assert "maintenance" in _error(unknown_service)["details"]["offered"]
    odd_window = book(client, headers, campaign["id"], hour=10, lat=lat, lon=lon)
    assert odd_window.status_code == 422 and _error(odd_window)["field"] == "window_start"
    naive = client.post(
        f"/api/planner/campaigns/{campaign['id']}/bookings",
        json={
            "service_code": "repair",
            "service_date": DAY_1.isoformat(),
            "window_start": "2026-11-24T09:00:00",
        },
        headers=headers,
    )
    assert naive.status_code == 422 and _error(naive)["field"] == "window_start"


def test_full_day_is_a_clear_409(client: TestClient, auth: Auth, create_campaign: CampaignFactory) -> None:
    campaign = create_campaign(daily_capacity=1)
    lat, lon = NINGHAI_SEAT
    assert book(client, auth("agent"), campaign["id"], lat=lat, lon=lon).status_code == 201
    full = book(client, auth("agent"), campaign["id"], hour=13, lat=lat, lon=lon)
    assert full.status_code == 409
    assert _error(full)["code"] == "day_full" and _error(full)["field"] == "service_date"
    other_day = book(client, auth("agent"), campaign["id"], day=DAY_2, lat=lat, lon=lon)
    assert other_day.status_code == 201


def test_window_that_no_longer_fits_is_slot_taken(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, campaign_body: Any
) -> None:
    """One van with a short morning shift: after one 45-minute repair, the 09:00 window is gone."""
    van = campaign_body()["vans"][0]
    campaign = create_campaign(vans=[{"van_id": van["van_id"], "shift_start": "07:00", "shift_end": "11:30"}])
    lat, lon = NINGHAI_SEAT
    first = book(client, auth("agent"), campaign["id"], service_code="repair", lat=lat, lon=lon)
    assert first.status_code == 201, first.text
    second = book(client, auth("agent2"), campaign["id"], service_code="repair", lat=lat, lon=lon)
    assert second.status_code == 409
    assert _error(second)["code"] == "slot_taken" and _error(second)["field"] == "window_start"


def test_reschedule_and_cancel(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    lat, lon = NINGHAI_SEAT
    booking = book(client, auth("agent"), campaign["id"], lat=lat, lon=lon).json()
    moved = client.post(
        f"/api/planner/bookings/{booking['id']}/reschedule",
        json={"service_date": DAY_2.isoformat(), "window_start": local(DAY_2, 13).isoformat()},
        headers=auth("agent"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["service_date"] == DAY_2.isoformat()
    days = client.get(f"/api/planner/campaigns/{campaign['id']}", headers=auth("agent")).json()["days"]
    assert [d["booked_count"] for d in days] == [0, 1]
    cancelled = client.post(f"/api/planner/bookings/{booking['id']}/cancel", headers=auth("agent"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/planner/bookings/{booking['id']}/cancel", headers=auth("agent"))
    assert again.status_code == 409 and _error(again)["code"] == "illegal_transition"
    kinds = [
        e.kind
        for e in db.exec(
            select(Event).where(Event.booking_id == uuid.UUID(booking["id"])).order_by(col(Event.id))
        )
    ]
    assert kinds == ["booking.created", "booking.rescheduled", "booking.cancelled"]


def test_owner_moves_and_cancels_through_the_link(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = create_campaign()
    lat, lon = NINGHAI_SEAT
    token = book(client, auth("agent"), campaign["id"], lat=lat, lon=lon).json()["tracking_token"]
    mine = client.get(f"/api/my-booking/{token}")
    assert mine.status_code == 200 and mine.json()["status"] == "booked"
    options = client.get(f"/api/my-booking/{token}/availability").json()["days"]
    assert any(w["feasible"] for w in options[1]["windows"])
    moved = client.post(
        f"/api/my-booking/{token}/reschedule",
        json={"service_date": DAY_2.isoformat(), "window_start": local(DAY_2, 9).isoformat()},
    )
    assert moved.status_code == 200 and moved.json()["service_date"] == DAY_2.isoformat()
    assert client.post(f"/api/my-booking/{token}/cancel").json()["status"] == "cancelled"
    assert client.get("/api/my-booking/not-a-real-token").status_code == 404


def test_roles(client: TestClient, auth: Auth, create_campaign: CampaignFactory, campaign_body: Any) -> None:
    campaign = create_campaign()
    assert (
        client.post("/api/planner/campaigns", json=campaign_body(), headers=auth("agent")).status_code == 403
    )
    assert client.get(f"/api/planner/campaigns/{campaign['id']}", headers=auth("tech001")).status_code == 403
    lat, lon = NINGHAI_SEAT
    assert book(client, auth("planner"), campaign["id"], lat=lat, lon=lon).status_code == 201
    assert book(client, auth("tech001"), campaign["id"], lat=lat, lon=lon).status_code == 403


def test_windows_already_over_are_not_offered(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, clock: FrozenClock
) -> None:
    campaign = create_campaign()
    clock.set(local(DAY_1, 12))
    lat, lon = NINGHAI_SEAT
    late = book(client, auth("agent"), campaign["id"], hour=9, lat=lat, lon=lon)
    assert late.status_code == 422 and _error(late)["field"] == "window_start"
    days = client.get(
        f"/api/planner/campaigns/{campaign['id']}/availability",
        params={"service_code": "inspection", "lat": lat, "lon": lon},
        headers=auth("agent"),
    ).json()["days"]
    today = {w["label"][-11:]: w["feasible"] for w in days[0]["windows"]}
    assert not today["07:00–09:00"] and not today["09:00–11:00"]
