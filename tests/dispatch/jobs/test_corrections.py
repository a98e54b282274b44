"""An agent corrects an open job's phone, fault and location (issue 15): optimistic version, an event,
and the crew's tablet stream is told."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.clock import FrozenClock
from dispatch.fleet.models import Technician
from dispatch.jobs.models import JobStatus, RescueJob
from tests.dispatch.events.conftest import app, receive  # noqa: F401  (sessions safe from stream threads)
from tests.dispatch.jobs.conftest import insert_job

Auth = Callable[[str], dict[str, str]]
JOBS = "/api/call-center/jobs"


def _crew_job(db: Session, clock: FrozenClock, status: JobStatus = JobStatus.ACCEPTED) -> RescueJob:
    user = db.exec(select(User).where(User.username == "tech001")).one()
    technician = db.get(Technician, user.technician_id)
    assert technician is not None
    job = insert_job(db, clock.now(), status=status, van_id=technician.van_id)
    db.commit()
    return job


def test_an_agent_corrects_phone_fault_and_location_and_the_technician_is_told(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, token_for: Callable[[str], str]
) -> None:
    job = _crew_job(db, clock)
    with client.websocket_connect(f"/api/streams/technician?token={token_for('tech001')}") as ws:
        receive(ws)  # stream.ready
        response = client.patch(
            f"{JOBS}/{job.reference}",
            json={
                "version": job.version,
                "caller_phone": "13900002222",
                "fault_category": "battery",
                "location": {"lat": 29.9, "lon": 121.6},
            },
            headers=auth("agent"),
        )
        assert response.status_code == 200, response.text
        message = receive(ws)
    corrected = response.json()
    assert corrected["caller_phone"] == "13900002222" and corrected["fault_category"] == "battery"
    assert (corrected["lat"], corrected["lon"]) == (29.9, 121.6) and corrected["address"].endswith("附近")
    assert corrected["version"] == job.version + 1 and corrected["status"] == "accepted"
    assert message["type"] == "job.corrected"
    assert message["payload"]["data"]["changes"]["caller_phone"] == "13900002222"
    assert message["payload"]["data"]["before"]["fault_category"] == "flat_tyre"
    events = client.get(f"{JOBS}/{job.id}/events", headers=auth("agent")).json()
    assert events[-1]["kind"] == "job.corrected" and events[-1]["actor"] == "agent"


def test_a_stale_version_is_a_409_with_the_current_one(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    job = _crew_job(db, clock)
    first = client.patch(
        f"{JOBS}/{job.id}",
        json={"version": job.version, "caller_phone": "13900003333"},
        headers=auth("agent"),
    )
    assert first.status_code == 200
    stale = client.patch(
        f"{JOBS}/{job.id}", json={"version": job.version, "fault_category": "lockout"}, headers=auth("agent")
    )
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_version" and error["field"] == "version"
    assert error["details"]["current_version"] == job.version + 1


def test_a_closed_job_cannot_be_corrected_and_bad_input_names_the_field(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    closed = insert_job(db, clock.now(), status=JobStatus.COMPLETED, open_vehicle_key=None)
    db.commit()
    refused = client.patch(
        f"{JOBS}/{closed.id}", json={"version": 1, "caller_phone": "13900004444"}, headers=auth("agent")
    )
    assert refused.status_code == 409
    job = _crew_job(db, clock)
    bad = client.patch(
        f"{JOBS}/{job.id}", json={"version": 1, "caller_phone": "call me"}, headers=auth("agent")
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "caller_phone"
    nothing = client.patch(f"{JOBS}/{job.id}", json={"version": 1}, headers=auth("agent"))
    assert nothing.status_code == 422
    abroad = client.patch(
        f"{JOBS}/{job.id}", json={"version": 1, "location": {"lat": 0, "lon": 0}}, headers=auth("agent")
    )
    assert abroad.status_code == 422 and abroad.json()["error"]["field"] == "location"
    assert client.patch(f"{JOBS}/{job.id}", json={"version": 1}, headers=auth("tech001")).status_code == 403
