"""Day plans and booking checks drive by the same travel model, and a plan says what priced its drives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from dispatch.app import create_app
from dispatch.clock import FrozenClock
from dispatch.settings import Settings
from tests.conftest import _session_on
from tests.dispatch.campaigns.conftest import DAY_1, book, gathering_points
from tests.dispatch.fake_osrm import FakeOsrm, fake_osrm

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    with fake_osrm(duration_s=600.0, distance_m=8_000.0) as server:
        yield server


@pytest.fixture
def road_client(
    osrm: FakeOsrm, settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock
) -> Iterator[TestClient]:
    road = settings.model_copy(update={"osrm_url": osrm.base_url, "osrm_retry_after_s": 0.0})
    app = create_app(road, engine=engine, clock=clock, session_factory=lambda: _session_on(connection))
    with TestClient(app) as client:
        yield client


def _plan(client: TestClient, auth: Auth, campaign_id: str) -> dict[str, Any]:
    response = client.post(
        f"/api/planner/campaigns/{campaign_id}/days/{DAY_1.isoformat()}/plans",
        json={"time_limit_s": 1},
        headers=auth("planner"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_plan_priced_by_the_road_service_says_road_and_a_fallback_plan_says_estimate(
    road_client: TestClient,
    osrm: FakeOsrm,
    auth: Auth,
    campaign_body: Callable[..., dict[str, Any]],
) -> None:
    created = road_client.post("/api/planner/campaigns", json=campaign_body(), headers=auth("planner"))
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    points = gathering_points()
    for hour, point in zip((9, 11), points, strict=False):
        booked = book(road_client, auth("agent"), campaign_id, hour=hour, lat=point["lat"], lon=point["lon"])
        assert booked.status_code == 201, booked.text
    assert osrm.requests > 0, "the booking checks drove by the road service"
    plan = _plan(road_client, auth, campaign_id)
    assert plan["eta_kind"] == "road" and plan["served"] == 2

    osrm.failing = True
    point = points[2]
    booked = book(road_client, auth("agent"), campaign_id, hour=13, lat=point["lat"], lon=point["lon"])
    assert booked.status_code == 201, booked.text
    fallback = _plan(road_client, auth, campaign_id)
    assert fallback["eta_kind"] == "estimate", "drives to the new stop could only be estimated"
