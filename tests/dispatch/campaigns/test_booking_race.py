"""Two agents booking the last feasible window at once: exactly one gets it, the other gets 409 slot_taken.

These tests commit for real (each request has its own connection, as with several API workers), so they
create their own campaign and delete everything they made afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from dispatch.app import create_app
from dispatch.campaigns.models import Booking, Campaign, CampaignDay, CampaignVan, CampaignVanDay
from dispatch.campaigns.slots import bump_day, read_day
from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from tests.dispatch.campaigns.conftest import DAY_1, NINGHAI_SEAT, book

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def committing_client(settings: Settings, engine: Engine, clock: FrozenClock) -> Iterator[TestClient]:
    """A client whose requests commit, each on its own pooled connection."""
    with TestClient(create_app(settings, engine=engine, clock=clock)) as client:
        yield client


@pytest.fixture
def cleanup(engine: Engine) -> Iterator[list[str]]:
    campaign_ids: list[str] = []
    yield campaign_ids
    with Session(engine) as session:
        for campaign_id in map(uuid.UUID, campaign_ids):
            booking_ids = list(session.exec(select(Booking.id).where(Booking.campaign_id == campaign_id)))
            session.exec(delete(Event).where(col(Event.booking_id).in_(booking_ids)))
            session.exec(delete(TrackingLink).where(col(TrackingLink.booking_id).in_(booking_ids)))
            session.exec(delete(Booking).where(col(Booking.campaign_id) == campaign_id))
            session.exec(delete(CampaignDay).where(col(CampaignDay.campaign_id) == campaign_id))
            session.exec(delete(CampaignVanDay).where(col(CampaignVanDay.campaign_id) == campaign_id))
            session.exec(delete(CampaignVan).where(col(CampaignVan.campaign_id) == campaign_id))
            session.exec(delete(Campaign).where(col(Campaign.id) == campaign_id))
        session.commit()


def test_two_agents_race_for_the_last_feasible_window(
    committing_client: TestClient,
    auth: Auth,
    campaign_body: Callable[..., dict[str, Any]],
    cleanup: list[str],
) -> None:
    body = campaign_body()
    # One van with a short morning: exactly one 45-minute repair fits after the drive from Ningbo.
    body["vans"] = [{"van_id": body["vans"][0]["van_id"], "shift_start": "07:00", "shift_end": "11:30"}]
    created = committing_client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    cleanup.append(campaign_id)
    headers = {name: auth(name) for name in ("agent", "agent2")}
    start = Barrier(2)

    def take_the_call(agent: str) -> Any:
        start.wait()
        lat, lon = NINGHAI_SEAT
        return book(committing_client, headers[agent], campaign_id, service_code="repair", lat=lat, lon=lon)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(take_the_call, ["agent", "agent2"]))

    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] == "slot_taken"
    day = committing_client.get(f"/api/planner/campaigns/{campaign_id}", headers=auth("agent")).json()[
        "days"
    ][0]
    assert day["service_date"] == DAY_1.isoformat() and day["booked_count"] == 1


def test_conditional_version_bump_lets_only_one_writer_through(
    committing_client: TestClient,
    engine: Engine,
    auth: Auth,
    campaign_body: Callable[..., dict[str, Any]],
    cleanup: list[str],
) -> None:
    created = committing_client.post("/api/planner/campaigns", json=campaign_body(), headers=auth("planner"))
    campaign_id = created.json()["id"]
    cleanup.append(campaign_id)
    with Session(engine) as first, Session(engine) as second:
        day_id = first.exec(
            select(CampaignDay.id).where(CampaignDay.campaign_id == uuid.UUID(campaign_id))
        ).first()
        assert day_id is not None
        seen_first, seen_second = read_day(first, day_id), read_day(second, day_id)
        assert seen_first == seen_second
        assert bump_day(first, day_id, seen_first.version, 1)
        first.commit()
        assert not bump_day(second, day_id, seen_second.version, 1)
        second.rollback()
        assert read_day(second, day_id).version == seen_first.version + 1
