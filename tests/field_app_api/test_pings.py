"""GPS pings: stored in bulk, the van only moves forward in time, the en-route job's ETA follows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.fleet.models import Van
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.tracking.models import GpsPing
from tests.field_app_api.conftest import NINGBO

Auth = Callable[[str], dict[str, str]]


def ping(at: datetime, *, north: float = 0.0, **extra: float) -> dict[str, object]:
    """A ping `north` degrees north of the job's location (0.01 degree = 100 s in the test drive time)."""
    return {"lat": NINGBO[0] + north, "lon": NINGBO[1], "recorded_at": at.isoformat(), **extra}


def _van(db: Session, van_id: int) -> Van:
    db.expire_all()
    van = db.get(Van, van_id)
    assert van is not None
    return van


def _eta_events(db: Session, job: RescueJob) -> list[Event]:
    return list(
        db.exec(select(Event).where(Event.job_id == job.id, Event.kind == "job.eta").order_by(Event.id))
    )


def test_one_ping_moves_the_van(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    body = ping(now, north=0.02, accuracy_m=8.0, speed_kmh=42.5, heading_deg=180.0)
    response = client.post("/api/field/pings", json=body, headers=auth("tech003"))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["position_updated"] is True
    van = _van(db, crew_van("tech003").id)
    assert van.last_position_at == now
    assert (van.last_lat, van.last_speed_kmh, van.last_heading_deg) == (NINGBO[0] + 0.02, 42.5, 180.0)


def test_an_older_ping_never_moves_the_van_back(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    van_id = crew_van("tech003").id
    client.post("/api/field/pings", json=ping(now, north=0.05), headers=auth("tech003"))
    late = client.post(
        "/api/field/pings", json=ping(now - timedelta(minutes=5), north=0.09), headers=auth("tech003")
    )
    assert late.status_code == 200
    assert late.json() == {**late.json(), "accepted": 1, "position_updated": False}
    van = _van(db, van_id)
    assert van.last_position_at == now
    assert van.last_lat == NINGBO[0] + 0.05
    stored = db.exec(select(GpsPing).where(GpsPing.van_id == van_id)).all()
    assert len(stored) == 2  # the late ping is kept for the track


def test_offline_batch_moves_the_van_to_its_newest_ping_whatever_the_order(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    start = clock.now() - timedelta(hours=3)
    pings = [ping(start + timedelta(seconds=10 * i), north=0.0001 * i) for i in range(500)]
    newest = pings[-1]
    shuffled = pings[250:] + pings[:250][::-1]
    response = client.post("/api/field/pings", json=shuffled, headers=auth("tech003"))
    assert response.status_code == 200
    assert response.json()["accepted"] == 500
    van = _van(db, crew_van("tech003").id)
    assert van.last_position_at is not None
    assert van.last_position_at.isoformat() == newest["recorded_at"]


def test_more_than_500_pings_is_422(client: TestClient, auth: Auth, clock: FrozenClock) -> None:
    pings = [ping(clock.now())] * 501
    response = client.post("/api/field/pings", json=pings, headers=auth("tech003"))
    assert response.status_code == 422


def test_bad_coordinates_and_naive_times_are_422_naming_the_field(
    client: TestClient, auth: Auth, clock: FrozenClock
) -> None:
    bad_lat = client.post("/api/field/pings", json=[ping(clock.now(), north=95)], headers=auth("tech003"))
    assert bad_lat.status_code == 422
    assert bad_lat.json()["error"]["field"] == "pings.0.lat"
    naive = {"lat": 30.0, "lon": 121.0, "recorded_at": "2026-11-23T10:00:00"}
    response = client.post("/api/field/pings", json=naive, headers=auth("tech003"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "ping.recorded_at"


def test_pings_from_the_future_are_ignored(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    body = [ping(now), ping(now + timedelta(days=1), north=1.0)]
    response = client.post("/api/field/pings", json=body, headers=auth("tech003")).json()
    assert (response["accepted"], response["ignored_future"]) == (1, 1)
    assert _van(db, crew_van("tech003").id).last_position_at == now


def test_ping_recomputes_the_en_route_eta_and_records_it(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    now = clock.now()
    first = client.post("/api/field/pings", json=ping(now, north=0.06), headers=auth("tech001")).json()
    assert first["job_id"] == str(job.id)
    assert first["eta_s"] == 600 and first["eta_changed"] is True
    db.expire_all()
    assert db.get(RescueJob, job.id).eta_at == now + timedelta(seconds=600)  # type: ignore[union-attr]
    [event] = _eta_events(db, job)
    assert event.data["eta_s"] == 600
    assert event.data["lat"] == NINGBO[0] + 0.06
    assert event.van_id is not None


def test_small_eta_drift_writes_no_event_but_a_delay_does(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    headers = auth("tech001")
    client.post("/api/field/pings", json=ping(clock.now(), north=0.06), headers=headers)  # ETA now + 600 s
    clock.advance(60)
    on_time = client.post("/api/field/pings", json=ping(clock.now(), north=0.0545), headers=headers).json()
    assert on_time["eta_changed"] is False  # 545 s from a minute later: 5 s earlier than promised
    clock.advance(60)
    stuck = client.post("/api/field/pings", json=ping(clock.now(), north=0.0545), headers=headers).json()
    assert stuck["eta_changed"] is True  # stuck a minute: 65 s later than the recorded ETA
    assert [e.data["eta_s"] for e in _eta_events(db, job)] == [600, 545]


def test_no_eta_without_an_en_route_job(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    response = client.post(
        "/api/field/pings", json=ping(clock.now(), north=0.01), headers=auth("tech001")
    ).json()
    assert response["job_id"] is None
    assert _eta_events(db, job) == []


def test_a_late_ping_does_not_touch_the_eta(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    headers = auth("tech001")
    client.post("/api/field/pings", json=ping(clock.now(), north=0.01), headers=headers)
    old = client.post(
        "/api/field/pings", json=ping(clock.now() - timedelta(minutes=9), north=0.5), headers=headers
    )
    assert old.json()["eta_changed"] is False
    assert len(_eta_events(db, job)) == 1


def test_pings_are_idempotent(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    headers = {**auth("tech003"), "Idempotency-Key": "6f1c1d2e-8d5a-4d8e-9d7a-0c1b2a3f4e5d"}
    body = [ping(clock.now() - timedelta(seconds=s)) for s in (30, 20, 10)]
    client.post("/api/field/pings", json=body, headers=headers)
    again = client.post("/api/field/pings", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(db.exec(select(GpsPing).where(GpsPing.van_id == crew_van("tech003").id)).all()) == 3
