"""Creating campaigns, and the call center's invitation list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.dispatch.campaigns.conftest import DAY_1, CampaignFactory, ninghai_owners

Auth = Callable[[str], dict[str, str]]


def test_planner_creates_a_campaign_with_vans_crews_and_days(
    create_campaign: CampaignFactory,
) -> None:
    campaign = create_campaign()
    assert campaign["reference"].startswith("CP-") and campaign["status"] == "active"
    assert [d["service_date"] for d in campaign["days"]] == ["2026-11-24", "2026-11-25"]
    van = campaign["vans"][0]
    assert van["name"] == "宁海流动服务站" and len(van["technicians"]) == 2
    assert "general" in van["skills"] and "light_repair" in van["skills"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"county_adcodes": ["999999"]}, "county_adcodes"),
        ({"county_adcodes": [], "area": None}, "county_adcodes"),
        ({"end_date": "2026-11-20"}, "end_date"),
        ({"service_days": ["2026-12-24"]}, "service_days"),
        ({"host_station_id": 99999}, "host_station_id"),
        ({"mode": "gathering_points", "gathering_points": []}, "gathering_points"),
        ({"gathering_points": [{"name": "宁波市区", "lat": 29.87, "lon": 121.55}]}, "gathering_points.0"),
        ({"area": {"type": "Point", "coordinates": [121.4, 29.3]}}, "area"),
        ({"daily_capacity": 0}, "daily_capacity"),
    ],
)
def test_invalid_campaigns_name_the_field(
    client: TestClient,
    auth: Auth,
    campaign_body: Callable[..., dict[str, Any]],
    override: dict[str, Any],
    field: str,
) -> None:
    response = client.post("/api/planner/campaigns", json=campaign_body(**override), headers=auth("planner"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_polygon_area_campaign(client: TestClient, auth: Auth, create_campaign: CampaignFactory) -> None:
    square = [[121.3, 29.2], [121.55, 29.2], [121.55, 29.4], [121.3, 29.4], [121.3, 29.2]]
    campaign = create_campaign(county_adcodes=[], area={"type": "Polygon", "coordinates": [square]})
    inside = client.get(
        f"/api/planner/campaigns/{campaign['id']}/availability",
        params={"service_code": "inspection", "lat": 29.3, "lon": 121.4, "service_date": DAY_1.isoformat()},
        headers=auth("agent"),
    )
    assert inside.status_code == 200
    outside = client.get(
        f"/api/planner/campaigns/{campaign['id']}/availability",
        params={"service_code": "inspection", "lat": 29.5, "lon": 121.4},
        headers=auth("agent"),
    )
    assert outside.status_code == 422 and outside.json()["error"]["field"] == "lat"


def test_invitations_most_overdue_first_and_booked_owners_last(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session
) -> None:
    campaign = create_campaign()
    url = f"/api/planner/campaigns/{campaign['id']}/invitations"
    rows = client.get(url, headers=auth("agent")).json()
    assert {r["owner_id"] for r in rows} == {o.id for o in ninghai_owners(db)}
    ratios = [r["overdue_ratio"] for r in rows]
    assert ratios == sorted(ratios, reverse=True)
    first = rows[0]
    assert first["vehicles"] and first["overdue_ratio"] == first["vehicles"][0]["overdue_ratio"]
    booking = {
        "owner_id": first["owner_id"],
        "service_code": "maintenance",
        "service_date": DAY_1.isoformat(),
        "window_start": "2026-11-24T09:00:00+08:00",
    }
    created = client.post(
        f"/api/planner/campaigns/{campaign['id']}/bookings", json=booking, headers=auth("agent")
    )
    assert created.status_code == 201, created.text
    rows = client.get(url, headers=auth("agent")).json()
    assert rows[-1]["owner_id"] == first["owner_id"] and rows[-1]["already_booked"]
    assert len(client.get(url, params={"limit": 2}, headers=auth("agent")).json()) == 2
