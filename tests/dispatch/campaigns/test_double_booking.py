"""Issue 15 defect 3: the same owner cannot be booked twice on the same day."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from routing.datums import from_wgs84
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


def test_the_same_owner_booked_twice_the_same_day_is_a_409(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    owner = ninghai_owners(db)[0]
    first = book(client, auth("agent"), campaign["id"], owner_id=owner.id)
    assert first.status_code == 201, first.text
    again = book(client, auth("agent2"), campaign["id"], owner_id=owner.id)
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "duplicate_booking" and error["field"] == "owner_id"
    assert error["details"]["reference"] == first.json()["reference"]
    later = book(client, auth("agent2"), campaign["id"], owner_id=owner.id, hour=13)
    assert later.status_code == 409
    other_day = book(client, auth("agent"), campaign["id"], owner_id=owner.id, day=DAY_2)
    assert other_day.status_code == 201, other_day.text
    days = client.get(f"/api/planner/campaigns/{campaign['id']}", headers=auth("agent")).json()["days"]
    assert [d["booked_count"] for d in days] == [1, 1]


def test_a_walk_in_caller_is_told_apart_by_phone_and_may_book_again_after_cancelling(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    campaign = create_campaign()
    lat, lon = NINGHAI_SEAT
    caller = {"owner_name": "李女士", "phone": "13900001111", "lat": lat, "lon": lon}
    first = book(client, auth("agent"), campaign["id"], **caller)
    assert first.status_code == 201, first.text
    twice = book(client, auth("agent"), campaign["id"], **{**caller, "phone": "139-0000-1111"})
    assert twice.status_code == 409 and twice.json()["error"]["field"] == "phone"
    cancelled = client.post(f"/api/planner/bookings/{first.json()['id']}/cancel", headers=auth("agent"))
    assert cancelled.status_code == 200
    assert book(client, auth("agent"), campaign["id"], **caller).status_code == 201


def test_rescheduling_onto_a_day_the_owner_is_already_booked_is_a_409(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    owner = ninghai_owners(db)[0]
    first = book(client, auth("agent"), campaign["id"], owner_id=owner.id).json()
    book(client, auth("agent"), campaign["id"], owner_id=owner.id, day=DAY_2)
    moved = client.post(
        f"/api/planner/bookings/{first['id']}/reschedule",
        json={"service_date": DAY_2.isoformat(), "window_start": local(DAY_2, 13).isoformat()},
        headers=auth("agent"),
    )
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "duplicate_booking"
    same_day = client.post(
        f"/api/planner/bookings/{first['id']}/reschedule",
        json={"service_date": DAY_1.isoformat(), "window_start": local(DAY_1, 13).isoformat()},
        headers=auth("agent"),
    )
    assert same_day.status_code == 200, same_day.text


def test_a_booking_takes_coordinates_in_a_chinese_map_datum(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory
) -> None:
    """Issue 15 item 8: bookings took WGS-84 only; a GCJ-02 point from a Chinese map is now converted."""
    campaign = create_campaign()
    lat, lon = from_wgs84(*NINGHAI_SEAT, "gcj02")
    response = book(client, auth("agent"), campaign["id"], lat=lat, lon=lon, datum="gcj02")
    assert response.status_code == 201, response.text
    assert response.json()["lat"] == pytest.approx(NINGHAI_SEAT[0], abs=1e-6)
    assert response.json()["lon"] == pytest.approx(NINGHAI_SEAT[1], abs=1e-6)
