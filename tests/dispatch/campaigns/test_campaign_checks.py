"""Issue 15 item 8 for campaigns: no campaign in the past, a warning for a county far from the host
station, and a plan that breaks the day's rules cannot be published."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from dispatch.campaigns.models import RoutePlan
from tests.dispatch.campaigns.conftest import CampaignFactory
from tests.dispatch.campaigns.test_plans import _booked_day, _plan

Auth = Callable[[str], dict[str, str]]
WENCHENG = "330328"  # a county of Wenzhou, some 250 km from Ninghai


def test_a_campaign_in_the_past_is_422(
    client: TestClient, auth: Auth, campaign_body: Callable[..., dict[str, Any]]
) -> None:
    body = campaign_body(start_date="2026-11-20", end_date="2026-11-21", service_days=None)
    response = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "service_days"


def test_a_county_far_from_the_host_station_is_warned_about(create_campaign: CampaignFactory) -> None:
    near = create_campaign()
    assert near["warnings"] == []
    far = create_campaign(
        county_adcodes=[WENCHENG], gathering_points=[], start_date="2026-11-26", service_days=["2026-11-26"]
    )
    assert len(far["warnings"]) == 1 and "文成县" in far["warnings"][0] and "km" in far["warnings"][0]


def test_a_plan_that_breaks_the_rules_cannot_be_published(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    plan = _plan(client, auth, _booked_day(client, auth, create_campaign))
    stored = db.get(RoutePlan, uuid.UUID(plan["id"]))
    assert stored is not None
    stored.changes = {**stored.changes, "violations": [{"kind": "window", "message": "late at stop 3"}]}
    db.add(stored)
    db.commit()
    response = client.post(f"/api/planner/plans/{plan['id']}/publish", headers=auth("planner"))
    assert response.status_code == 409, response.text
    assert response.json()["error"]["details"]["violations"][0]["message"] == "late at stop 3"
