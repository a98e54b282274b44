"""Every ETA comes from the one travel model: with a road service set, offers, the agent's ranking, the
technician's ping ETA and the owner's page all show the road answer; when it fails, all say "estimate"."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from dispatch.app import create_app
from dispatch.auth.models import User
from dispatch.clock import FrozenClock
from dispatch.fleet.models import Technician, Van, VanStatus
from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots
from dispatch.jobs.models import FaultCategory, JobStatus, LocationSource, RescueJob
from dispatch.settings import Settings
from dispatch.tracking.service import issue_link
from tests.conftest import _session_on
from tests.dispatch.fake_osrm import FakeOsrm, fake_osrm
from tests.dispatch.jobs.conftest import NINGBO, insert_job

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    with fake_osrm(duration_s=777.0, distance_m=9_900.0) as server:
        yield server


@pytest.fixture
def road_client(
    osrm: FakeOsrm, settings: Settings, engine: Engine, connection: Connection, clock: FrozenClock
) -> Iterator[TestClient]:
    invalidate_fleet_snapshots()
    road = settings.model_copy(update={"osrm_url": osrm.base_url, "osrm_retry_after_s": 0.0})
    app = create_app(road, engine=engine, clock=clock, session_factory=lambda: _session_on(connection))
    with TestClient(app) as client:
        yield client
    invalidate_fleet_snapshots()


def _en_route_job(db: Session, clock: FrozenClock) -> tuple[RescueJob, str, str]:
    """A job a crewed van is driving to; returns it, the owner's link token and the technician's username."""
    user, van = db.exec(
        select(User, Van)
        .join(Technician, col(Technician.id) == col(User.technician_id))
        .join(Van, col(Van.id) == col(Technician.van_id))
        .where(Van.current_job_id == None)  # noqa: E711
        .order_by(col(Van.id))
    ).first() or (None, None)
    assert user is not None and van is not None
    now = clock.now()
    job = RescueJob(
        reference=f"RJ-TEST-{uuid.uuid4().hex[:6].upper()}",
        status=JobStatus.EN_ROUTE,
        caller_name="王建国",
        caller_phone="13812345678",
        vehicle_plate="浙B54321",
        powertrain="ice",
        fault_category=FaultCategory.FLAT_TYRE,
        lat=NINGBO[0],
        lon=NINGBO[1],
        location_source=LocationSource.WGS84,
        city_adcode="330200",
        van_id=van.id,
        created_by="agent",
        created_at=now,
        updated_at=now,
    )
    db.add(job)
    db.flush()
    van.current_job_id, van.status = job.id, VanStatus.BUSY
    db.add(van)
    link = issue_link(session=db, now=now, job_id=job.id)
    db.flush()
    return job, link.token, user.username


def _ping(
    client: TestClient, auth: Auth, username: str, clock: FrozenClock, north: float
) -> dict[str, object]:
    body = {"lat": NINGBO[0] + north, "lon": NINGBO[1], "recorded_at": clock.now().isoformat()}
    response = client.post("/api/field/pings", json=body, headers=auth(username))
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_every_eta_is_the_road_answer_then_a_labelled_estimate_when_the_road_service_fails(
    road_client: TestClient, osrm: FakeOsrm, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    job = insert_job(db, clock.now())
    ranked = road_client.get(f"/api/call-center/jobs/{job.id}/candidates", headers=auth("agent")).json()
    assert ranked["candidates"], "the small world has free vans near Ningbo"
    assert {(c["eta_kind"], c["eta_s"]) for c in ranked["candidates"]} == {("road", 777)}

    dispatched = road_client.post(f"/api/call-center/jobs/{job.id}/dispatch", json={}, headers=auth("agent"))
    offer = dispatched.json()["offer"]
    assert (offer["eta_kind"], offer["eta_s"]) == ("road", 777)
    assert dispatched.json()["job"]["eta_kind"] == "road"

    en_route, token, technician = _en_route_job(db, clock)
    pinged = _ping(road_client, auth, technician, clock, north=0.05)
    assert (pinged["eta_kind"], pinged["eta_s"]) == ("road", 777)
    owner = road_client.get(f"/api/track/{token}").json()
    assert (owner["eta_kind"], owner["eta_s"], owner["eta_source"]) == ("road", 777, "van_position")

    osrm.failing = True
    # Somewhere else: the first job's answers are cached (and would rightly still be road answers).
    second = insert_job(
        db, clock.now(), vehicle_plate="浙Z77777", open_vehicle_key="浙Z77777", lat=NINGBO[0] + 0.03
    )
    ranked = road_client.get(f"/api/call-center/jobs/{second.id}/candidates", headers=auth("agent")).json()
    assert {c["eta_kind"] for c in ranked["candidates"]} == {"estimate"}
    assert all(c["eta_s"] != 777 for c in ranked["candidates"])

    clock.advance(30)
    pinged = _ping(road_client, auth, technician, clock, north=0.04)
    assert pinged["eta_kind"] == "estimate" and pinged["eta_changed"] is True
    owner = road_client.get(f"/api/track/{token}").json()
    assert owner["eta_kind"] == "estimate" and owner["eta_s"] != 777
    db.refresh(en_route)
    assert en_route.eta_kind == "estimate"
