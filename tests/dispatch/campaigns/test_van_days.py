"""Issue 15 defect 2: a van (and its crew) serves one campaign day at a time; a rescue van lent to a
campaign is not offered rescue jobs that day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.fleet.models import Van
from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots
from tests.dispatch.campaigns.conftest import DAY_2, CampaignFactory
from tests.dispatch.jobs.conftest import NINGBO, NINGBO_DAY_TOW

Auth = Callable[[str], dict[str, str]]
TODAY = "2026-11-23"  # the test clock's date in Shanghai


def test_a_second_campaign_taking_a_van_on_the_same_day_is_a_409_naming_the_clash(
    client: TestClient,
    auth: Auth,
    create_campaign: CampaignFactory,
    campaign_body: Callable[..., dict[str, Any]],
) -> None:
    first = create_campaign()
    van = first["vans"][0]
    body = campaign_body(service_days=[DAY_2.isoformat()], vans=[{"van_id": van["van_id"]}])
    response = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "van_taken" and error["field"] == "vans.0.van_id"
    assert error["details"]["campaign_reference"] == first["reference"]
    assert error["details"]["service_date"] == DAY_2.isoformat() and error["details"]["plate"] == van["plate"]
    assert first["reference"] in error["message"] and van["plate"] in error["message"]


def test_the_same_van_on_other_days_is_fine(
    client: TestClient,
    auth: Auth,
    create_campaign: CampaignFactory,
    campaign_body: Callable[..., dict[str, Any]],
) -> None:
    van = create_campaign()["vans"][0]
    body = campaign_body(
        start_date="2026-11-26", service_days=["2026-11-26", "2026-11-27"], vans=[{"van_id": van["van_id"]}]
    )
    response = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert response.status_code == 201, response.text


def test_a_rescue_van_lent_to_a_campaign_is_not_matched_that_day(
    client: TestClient, auth: Auth, campaign_body: Callable[..., dict[str, Any]], db: Session
) -> None:
    invalidate_fleet_snapshots()
    rescue = db.exec(select(Van).where(Van.plate == NINGBO_DAY_TOW)).one()
    body = campaign_body(start_date=TODAY, end_date=TODAY, service_days=[TODAY], vans=[{"van_id": rescue.id}])
    lent = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert lent.status_code == 201, lent.text
    job = client.post(
        "/api/call-center/jobs",
        json={
            "caller_name": "王先生",
            "caller_phone": "13800000009",
            "vehicle": {"plate": "浙B77701", "powertrain": "ice"},
            "fault_category": "flat_tyre",
            "location": {"lat": NINGBO[0], "lon": NINGBO[1]},
        },
        headers=auth("agent"),
    ).json()["job"]
    search = client.get(
        f"/api/call-center/jobs/{job['id']}/candidates", params={"explain": True}, headers=auth("agent")
    ).json()
    assert NINGBO_DAY_TOW not in [c["plate"] for c in search["candidates"]]
    left_out = {e["plate"]: e["reasons"] for e in search["excluded"]}
    assert left_out[NINGBO_DAY_TOW] == ["lent_to_campaign"]
    assert search["excluded_counts"]["lent_to_campaign"] == 1
