"""The real call-center endpoints drive the streams: agents, the offered technician and the owner see it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.fleet.models import Technician
from tests.dispatch.events.conftest import NINGBO, TAIZHOU, receive, receive_events

JOBS = "/api/call-center/jobs"
Auth = Callable[[str], dict[str, str]]


def new_job(plate: str, **overrides: Any) -> dict[str, Any]:
    return {
        "caller_name": "王先生",
        "caller_phone": "13812345678",
        "vehicle": {"plate": plate, "model": "远航 S7", "powertrain": "ice"},
        "fault_category": "flat_tyre",
        "location": {"lat": 29.8683, "lon": 121.5440, "datum": "wgs84"},
        **overrides,
    }


def username_for_van(db: Session, van_id: int) -> str:
    technician = db.exec(select(Technician).where(Technician.van_id == van_id)).first()
    assert technician is not None
    user = db.exec(select(User).where(User.technician_id == technician.id)).one()
    return user.username


def test_create_dispatch_cancel_reaches_agent_technician_and_owner(
    client: TestClient, db: Session, auth: Auth, token_for: Callable[[str], str]
) -> None:
    plate = f"浙B{uuid.uuid4().int % 100000:05d}"
    with (
        client.websocket_connect(
            f"/api/streams/call-center?token={token_for('agent')}&city={NINGBO}"
        ) as agent,
        client.websocket_connect(
            f"/api/streams/call-center?token={token_for('agent2')}&city={TAIZHOU}"
        ) as taizhou_agent,
    ):
        receive(agent)
        receive(taizhou_agent)
        created = client.post(JOBS, json=new_job(plate), headers=auth("agent")).json()
        job_id = created["job"]["id"]
        token = created["tracking_token"]
        first = receive_events(agent, 1)[0]
        assert first["payload"]["job_id"] == job_id

        dispatched = client.post(f"{JOBS}/{job_id}/dispatch", headers=auth("agent")).json()
        van_id = dispatched["job"]["van_id"]
        offered = receive_events(agent, 1)[0]
        assert offered["type"] == "job.status" and offered["payload"]["to_status"] == "offered"
        assert offered["payload"]["data"]["offer_expires_at"]

        tech = username_for_van(db, van_id)
        with (
            client.websocket_connect(
                f"/api/streams/technician?token={token_for(tech)}&last_event_id={first['event_id']}"
            ) as technician,
            client.websocket_connect(f"/api/track/{token}/ws") as owner,
        ):
            # The technician connected late and gets the offer replayed from the log.
            offer = receive(technician)
            assert offer["event_id"] == offered["event_id"]
            assert receive(technician)["type"] == "stream.ready"
            snapshot = receive(owner)
            assert snapshot["payload"]["status"] == "offered"
            assert receive(owner)["type"] == "stream.ready"

            cancel = client.post(
                f"{JOBS}/{job_id}/cancel", json={"reason": "车主自行解决"}, headers=auth("agent")
            )
            assert cancel.status_code == 200, cancel.text
            cancelled = receive_events(agent, 1)[0]
            assert cancelled["payload"]["to_status"] == "cancelled"
            assert receive(technician)["event_id"] == cancelled["event_id"]
            update = receive(owner)
            assert update["event_id"] == cancelled["event_id"]
            assert update["payload"]["status"] == "cancelled"
            assert update["payload"]["expires_at"] is not None

        # The Taizhou agent saw none of this Ningbo job; its next message is a later Taizhou job.
        taizhou_job = client.post(
            JOBS,
            json=new_job(plate + "T", location={"lat": 28.6564, "lon": 121.4208, "datum": "wgs84"}),
            headers=auth("agent2"),
        ).json()["job"]
        assert taizhou_job["city_adcode"] == TAIZHOU
        assert receive_events(taizhou_agent, 1)[0]["payload"]["job_id"] == taizhou_job["id"]
