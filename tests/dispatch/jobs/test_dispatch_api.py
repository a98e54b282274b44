"""Dispatch through the call-center API: auto, the agent's pick, uncovered jobs, cancel, the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from dispatch.clock import FrozenClock
from dispatch.fleet.models import Van
from dispatch.jobs.lifecycle import transition
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.jobs.offers import accept_offer
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW, TAIZHOU_DAY_EV_TOW
from tests.dispatch.jobs.test_intake_api import JOBS, body

Auth = Callable[[str], dict[str, str]]
QUZHOU = {"lat": 28.97, "lon": 118.87, "datum": "wgs84"}  # ~250 km from the nearest seeded station


def create(client: TestClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    response = client.post(JOBS, json=body(**overrides), headers=auth("agent"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_auto_dispatch_offers_the_best_van(client: TestClient, auth: Auth, db: Session) -> None:
    created = create(client, auth)
    best = created["candidates"]["candidates"][0]
    reference = created["job"]["reference"]
    response = client.post(f"{JOBS}/{reference}/dispatch", headers=auth("agent"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["job"]["status"] == "offered" and result["job"]["van_id"] == best["van_id"]
    offer = result["offer"]
    assert (offer["van_id"], offer["rank"], offer["eta_s"]) == (best["van_id"], 1, best["eta_s"])
    assert offer["status"] == "pending" and offer["offered_by"] == "agent"
    van = db.get(Van, best["van_id"])
    assert van is not None and str(van.current_job_id) == created["job"]["id"]
    again = client.post(f"{JOBS}/{reference}/dispatch", headers=auth("agent"))
    assert again.status_code == 409 and again.json()["error"]["details"]["current_status"] == "offered"
    events = client.get(f"{JOBS}/{reference}/events", headers=auth("agent")).json()
    assert [(e["kind"], e["to_status"]) for e in events] == [
        ("job.created", "created"),
        ("job.status", "offered"),
    ]
    assert events[1]["actor"] == "agent" and events[1]["data"]["rank"] == 1


def test_auto_dispatch_at_intake(client: TestClient, auth: Auth) -> None:
    created = create(client, auth, auto_dispatch=True)
    assert created["job"]["status"] == "offered" and created["offer"]["rank"] == 1


def test_the_agent_may_pick_another_van_with_a_reason(
    client: TestClient, auth: Auth, van_id: Callable[[str], int]
) -> None:
    reference = create(client, auth)["job"]["reference"]
    taizhou = van_id(TAIZHOU_DAY_EV_TOW)
    no_reason = client.post(f"{JOBS}/{reference}/dispatch", json={"van_id": taizhou}, headers=auth("agent"))
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    picked = client.post(
        f"{JOBS}/{reference}/dispatch",
        json={"van_id": taizhou, "reason": "车主指定熟悉的技师 / owner asked for this technician"},
        headers=auth("agent"),
    )
    assert picked.status_code == 200, picked.text
    offer = picked.json()["offer"]
    assert offer["van_id"] == taizhou and offer["override_reason"].startswith("车主指定")
    assert offer["rank"] == 4 and offer["eta_s"] > 3600
    events = client.get(f"{JOBS}/{reference}/events", headers=auth("agent")).json()
    assert events[-1]["data"]["override_reason"].startswith("车主指定")


def test_a_van_holding_a_job_cannot_be_picked(
    client: TestClient, auth: Auth, van_id: Callable[[str], int]
) -> None:
    van = van_id(NINGBO_DAY_TOW)
    first = create(client, auth, vehicle={"plate": "浙B11111", "powertrain": "ice"})["job"]["reference"]
    second = create(client, auth, vehicle={"plate": "浙B22222", "powertrain": "ice"})["job"]["reference"]
    pick = {"van_id": van, "reason": "最近"}
    assert client.post(f"{JOBS}/{first}/dispatch", json=pick, headers=auth("agent")).status_code == 200
    taken = client.post(f"{JOBS}/{second}/dispatch", json=pick, headers=auth("agent"))
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "van_unavailable"
    assert client.get(f"{JOBS}/{second}", headers=auth("agent")).json()["status"] == "created"


def test_no_van_in_reach_makes_the_job_uncovered_with_escalation_options(
    client: TestClient, auth: Auth
) -> None:
    created = create(client, auth, location=QUZHOU)
    assert created["job"]["status"] == "uncovered" and created["job"]["needs_attention"]
    found = created["candidates"]
    assert found["candidates"] == [] and found["excluded_counts"]["out_of_radius"] == 6
    beyond = found["nearest_beyond_radius"]
    assert beyond and all(v["distance_km"] > 150 for v in beyond)
    assert beyond == sorted(beyond, key=lambda v: v["distance_km"])
    assert {v["kind"] for v in found["nearest_mobile_stations"]} == {"mobile_station"}
    listed = client.get(JOBS, params={"status": "uncovered"}, headers=auth("agent")).json()
    assert created["job"]["id"] in [j["id"] for j in listed]
    flagged = client.get(JOBS, params={"needs_attention": "true"}, headers=auth("agent")).json()
    assert created["job"]["id"] in [j["id"] for j in flagged]
    # The agent escalates by sending a van from beyond the radius anyway.
    reference = created["job"]["reference"]
    pick = {"van_id": beyond[0]["van_id"], "reason": "合作救援公司无空车 / partner has no truck"}
    response = client.post(f"{JOBS}/{reference}/dispatch", json=pick, headers=auth("agent"))
    assert response.status_code == 200 and response.json()["job"]["status"] == "offered"
    assert response.json()["job"]["needs_attention"] is False


def test_candidates_explain_why_vans_were_left_out(client: TestClient, auth: Auth) -> None:
    reference = create(client, auth, fault_category="needs_tow")["job"]["reference"]
    plain = client.get(f"{JOBS}/{reference}/candidates", headers=auth("agent")).json()
    assert plain["excluded"] == [] and plain["required_capabilities"] == ["tow"]
    explained = client.get(f"{JOBS}/{reference}/candidates?explain=true", headers=auth("agent")).json()
    reasons = {e["plate"]: e["reasons"] for e in explained["excluded"]}
    assert reasons["浙BL6057"] == ["off_shift"]
    assert reasons["浙J10799"] == ["off_shift", "lacks_capability"]


def test_cancel_releases_the_van_and_cannot_happen_twice(client: TestClient, auth: Auth, db: Session) -> None:
    created = create(client, auth, auto_dispatch=True)
    reference, van = created["job"]["reference"], created["offer"]["van_id"]
    cancelled = client.post(
        f"{JOBS}/{reference}/cancel",
        json={"reason": "车主已自行修好 / fixed it himself"},
        headers=auth("agent"),
    )
    assert cancelled.status_code == 200
    job = cancelled.json()
    assert job["status"] == "cancelled" and job["closed_by"] == "agent" and job["closed_at"]
    row = db.get(Van, van)
    assert row is not None
    db.refresh(row)
    assert row.current_job_id is None and row.status == "available"
    again = client.post(f"{JOBS}/{reference}/cancel", json={"reason": "再次"}, headers=auth("agent"))
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "illegal_transition" and error["details"]["current_status"] == "cancelled"
    missing_reason = client.post(f"{JOBS}/{reference}/cancel", json={}, headers=auth("agent"))
    assert missing_reason.status_code == 422 and missing_reason.json()["error"]["field"] == "reason"


def test_a_whole_rescue_leaves_a_complete_audit_trail(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    created = create(client, auth, auto_dispatch=True)
    offer = created["offer"]
    job = db.get(RescueJob, uuid.UUID(created["job"]["id"]))
    assert job is not None
    clock.advance(30)
    accept_offer(session=db, offer_id=offer["id"], van_id=offer["van_id"], actor="tech001", now=clock.now())
    for status in (JobStatus.EN_ROUTE, JobStatus.ON_SITE, JobStatus.IN_SERVICE, JobStatus.COMPLETED):
        clock.advance(600)
        transition(session=db, job=job, to_status=status, actor="tech001", now=clock.now())
    db.flush()
    events = client.get(f"{JOBS}/{created['job']['reference']}/events", headers=auth("agent")).json()
    assert [e["to_status"] for e in events] == [
        "created", "offered", "accepted", "en_route", "on_site", "in_service", "completed",
    ]  # fmt: skip
    assert all(e["created_at"] for e in events) and events[2]["actor"] == "tech001"
    final = client.get(f"{JOBS}/{created['job']['id']}", headers=auth("agent")).json()
    assert final["promised_eta_at"] and final["status"] == "completed" and final["version"] == 7


def test_auto_dispatch_with_every_van_in_range_taken_flags_the_job_for_the_agent(
    client: TestClient, auth: Auth, db: Session
) -> None:
    # Take every van in range, and put each on site: they are listed as free soon, none can be offered.
    taken = []
    for n in range(30):
        created = create(
            client, auth, auto_dispatch=True, vehicle={"plate": f"浙B9{n:04d}", "powertrain": "ice"}
        )
        if created["offer"] is None:
            break
        taken.append(uuid.UUID(created["job"]["id"]))
    for job_id in taken:
        held = db.get(RescueJob, job_id)
        assert held is not None
        held.status = JobStatus.ON_SITE
        db.add(held)
    db.commit()

    created = create(client, auth, auto_dispatch=True, vehicle={"plate": "浙B99999", "powertrain": "ice"})
    job = created["job"]
    assert created["offer"] is None
    assert created["candidates"]["candidates"], "vans in range exist, all of them taken"
    assert job["status"] == "created" and job["needs_attention"] is True
    assert job["attention_reason"]
    flagged = client.get(JOBS, params={"needs_attention": "true"}, headers=auth("agent")).json()
    assert job["id"] in [j["id"] for j in flagged]
    events = client.get(f"{JOBS}/{job['reference']}/events", headers=auth("agent")).json()
    assert events[-1]["kind"] == "job.attention" and events[-1]["data"]["reason"] == job["attention_reason"]
