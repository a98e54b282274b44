"""The owner's tracking link: what it shows, to whom, for how long; JSON and websocket."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from dispatch.campaigns.models import VisitStatus
from dispatch.clock import FrozenClock
from dispatch.events.service import record_event
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.settings import Settings
from dispatch.tracking.service import mask_phone
from dispatch.travel_times import travel_provider
from routing.geodesy import Location
from tests.dispatch.events.conftest import close_code, commit_events, job_event, receive
from tests.dispatch.tracking.conftest import JOB_LAT, JOB_LON, place_van, set_visit_status

OWNER_FIELDS = {
    "kind",
    "reference",
    "status",
    "status_text",
    "eta_at",
    "eta_s",
    "eta_source",
    "eta_kind",
    "van_position",
    "technician_first_name",
    "contact_phone_masked",
    "window_start",
    "window_end",
    "planned_arrival_at",
    "stops_before_yours",
    "visit_status",
    "last_event_id",
    "expires_at",
    "destination",
}


def test_phone_numbers_are_masked() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "861******5678"
    assert mask_phone("12345") == "*****"


def test_tokens_are_long_and_random(tracked_job: Any) -> None:
    tokens = {tracked_job().link.token for _ in range(5)}
    assert len(tokens) == 5
    # token_urlsafe(24): 24 random bytes = 192 bits, 32 characters.
    assert all(len(token) == 32 for token in tokens)


def test_agent_gets_the_link_and_sms_text_for_a_job(
    client: TestClient, tracked_job: Any, auth: Callable[[str], dict[str, str]]
) -> None:
    tracked = tracked_job()
    url = f"/api/track/jobs/{tracked.job.id}/link"
    body = client.post(url, headers=auth("agent")).json()
    assert body["token"] == tracked.link.token
    assert body["url"].endswith(f"/api/track/{tracked.link.token}")
    assert tracked.job.reference in body["sms_text"] and body["page_url"] in body["sms_text"]
    assert client.post(url, headers=auth("agent")).json()["token"] == tracked.link.token
    assert client.post(url, headers=auth("tech001")).status_code == 403
    unknown = client.post("/api/track/jobs/00000000-0000-0000-0000-000000000000/link", headers=auth("agent"))
    assert unknown.status_code == 404


def test_accepted_job_shows_status_eta_and_first_name_but_no_position(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock
) -> None:
    tracked = tracked_job(JobStatus.ACCEPTED)
    place_van(db, tracked.van, JOB_LAT + 0.1, JOB_LON, clock.now())
    body = client.get(f"/api/track/{tracked.link.token}").json()
    assert set(body) == OWNER_FIELDS
    assert body["kind"] == "rescue"
    assert body["status"] == "accepted"
    assert body["status_text"].startswith("救援车已接单")
    assert body["technician_first_name"] == tracked.technician.first_name()
    assert body["contact_phone_masked"] == "138****5678"
    assert body["van_position"] is None
    assert body["eta_source"] == "dispatch" and body["eta_s"] == 1800
    assert "王建国" not in str(body) and "浙B12345" not in str(body)


def test_en_route_job_shows_the_van_and_an_eta_from_its_last_ping(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock, settings: Settings
) -> None:
    tracked = tracked_job(JobStatus.EN_ROUTE)
    pinged_at = clock.now() - timedelta(minutes=2)
    place_van(db, tracked.van, JOB_LAT + 0.2, JOB_LON + 0.1, pinged_at)
    body = client.get(f"/api/track/{tracked.link.token}").json()
    drive_s = (
        travel_provider(settings)
        .matrix([Location(JOB_LAT + 0.2, JOB_LON + 0.1)], [Location(JOB_LAT, JOB_LON)])
        .duration_s[0, 0]
    )
    assert body["eta_source"] == "van_position"
    assert body["eta_s"] == round(drive_s) - 120
    assert body["van_position"]["lat"] == JOB_LAT + 0.2
    assert body["destination"] == {"lat": JOB_LAT, "lon": JOB_LON}


def test_position_is_hidden_once_the_van_has_arrived(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock
) -> None:
    tracked = tracked_job(JobStatus.ON_SITE)
    place_van(db, tracked.van, JOB_LAT, JOB_LON, clock.now())
    body = client.get(f"/api/track/{tracked.link.token}").json()
    assert body["van_position"] is None and body["eta_at"] is None


def test_new_job_names_nobody(client: TestClient, tracked_job: Any) -> None:
    body = client.get(f"/api/track/{tracked_job(JobStatus.OFFERED).link.token}").json()
    assert body["technician_first_name"] is None


def test_unknown_link_is_404_and_expired_link_is_410(
    client: TestClient, tracked_job: Any, db: Session, clock: FrozenClock
) -> None:
    assert client.get("/api/track/not-a-real-token").status_code == 404
    tracked = tracked_job(JobStatus.COMPLETED, closed_at=clock.now())
    tracked.link.expires_at = clock.now() + timedelta(hours=24)
    db.add(tracked.link)
    db.commit()
    assert client.get(f"/api/track/{tracked.link.token}").json()["status"] == "completed"
    clock.advance(24 * 3600)
    gone = client.get(f"/api/track/{tracked.link.token}")
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "gone"


def test_closed_job_without_a_stamped_expiry_still_expires_a_day_after_closing(
    client: TestClient, tracked_job: Any, clock: FrozenClock
) -> None:
    tracked = tracked_job(JobStatus.CANCELLED, closed_at=clock.now() - timedelta(hours=25))
    assert client.get(f"/api/track/{tracked.link.token}").status_code == 410


def test_booking_shows_window_plan_and_stops_before_yours(
    client: TestClient, tracked_booking: Any, db: Session, clock: FrozenClock
) -> None:
    tracked = tracked_booking(position=2)
    place_van(db, tracked.van, 29.29, 121.43, clock.now())
    body = client.get(f"/api/track/{tracked.link.token}").json()
    assert body["kind"] == "booking"
    assert body["stops_before_yours"] == 2
    assert body["eta_source"] == "plan" and body["van_position"] is None
    assert body["contact_phone_masked"] == "139****4321"
    assert body["destination"] == {"lat": tracked.booking.lat, "lon": tracked.booking.lon}
    set_visit_status(db, tracked.visits[0], VisitStatus.COMPLETED)
    set_visit_status(db, tracked.visits[1], VisitStatus.COMPLETED)
    body = client.get(f"/api/track/{tracked.link.token}").json()
    assert body["stops_before_yours"] == 0
    assert body["eta_source"] == "van_position" and body["van_position"] is not None


def test_owner_stream_rejects_unknown_and_expired_links(
    client: TestClient, tracked_job: Any, clock: FrozenClock
) -> None:
    with client.websocket_connect("/api/track/nope/ws") as ws:
        assert close_code(ws) == (1008, [])
    tracked = tracked_job(JobStatus.COMPLETED, closed_at=clock.now() - timedelta(days=2))
    with client.websocket_connect(f"/api/track/{tracked.link.token}/ws") as ws:
        assert close_code(ws) == (1008, [])


def test_owner_stream_sends_a_snapshot_then_only_its_own_job(
    client: TestClient, app: FastAPI, tracked_job: Any, clock: FrozenClock
) -> None:
    tracked = tracked_job(JobStatus.ACCEPTED)
    other = tracked_job(JobStatus.ACCEPTED)
    with client.websocket_connect(f"/api/track/{tracked.link.token}/ws") as ws:
        snapshot = receive(ws)
        assert snapshot["type"] == "tracking.snapshot"
        assert snapshot["payload"]["status"] == "accepted"
        assert receive(ws)["type"] == "stream.ready"
        _move(app, clock, tracked.job.id, JobStatus.EN_ROUTE, event=False)  # what the event announces
        ids = commit_events(
            app,
            clock,
            job_event(other.job.id, to_status="en_route"),
            job_event(tracked.job.id, to_status="en_route", data={"note": "内部备注 internal"}),
        )
        update = receive(ws)
    assert update["type"] == "tracking.update"
    assert update["event_id"] == ids[1]
    assert set(update["payload"]) == OWNER_FIELDS
    assert "internal" not in str(update)


def test_owner_reconnect_gets_the_current_state_with_the_newest_id(
    client: TestClient, app: FastAPI, tracked_job: Any, clock: FrozenClock
) -> None:
    tracked = tracked_job(JobStatus.ACCEPTED)
    [first] = commit_events(app, clock, job_event(tracked.job.id, to_status="accepted"))
    [missed] = commit_events(app, clock, job_event(tracked.job.id, to_status="en_route"))
    with client.websocket_connect(f"/api/track/{tracked.link.token}/ws?last_event_id={first}") as ws:
        snapshot = receive(ws)
    assert snapshot["event_id"] == missed


def test_owner_page_is_chinese_first_and_embeds_the_token_safely(client: TestClient) -> None:
    page = client.get('/api/track/abc"</script>/page')
    assert page.status_code in (200, 404)
    page = client.get("/api/track/abc-DEF_123/page").text
    assert '"abc-DEF_123"' in page
    assert page.index("服务进度") < page.index("Service tracking")


def _move(
    app: FastAPI, clock: FrozenClock, job_id: uuid.UUID, status: JobStatus, *, event: bool = True
) -> int:
    """Change the job's status (and announce it) through the app's own sessions, as the lifecycle does."""
    session: Session = app.state.session_factory()
    with session:
        job = session.get(RescueJob, job_id)
        assert job is not None
        job.status = status
        session.add(job)
        row = None
        if event:
            row = record_event(
                session, kind="job.status", actor="test", at=clock.now(), job_id=job_id, to_status=status
            )
        session.commit()
    return row.id or 0 if row is not None else 0


def test_owner_stream_sends_nothing_for_events_that_change_nothing_they_see(
    client: TestClient, app: FastAPI, tracked_job: Any, clock: FrozenClock
) -> None:
    """Issue 15 item 8: parts, notes and photos used to repeat the same update to the owner each time."""
    tracked = tracked_job(JobStatus.ACCEPTED)
    with client.websocket_connect(f"/api/track/{tracked.link.token}/ws") as ws:
        receive(ws)
        assert receive(ws)["type"] == "stream.ready"
        commit_events(
            app,
            clock,
            {"kind": "job.part", "job_id": tracked.job.id, "actor": "tech001", "data": {"part": "A1"}},
            {"kind": "job.note", "job_id": tracked.job.id, "actor": "tech001", "data": {"text": "到了"}},
            {"kind": "job.photo", "job_id": tracked.job.id, "actor": "tech001", "data": {}},
        )
        _move(app, clock, tracked.job.id, JobStatus.EN_ROUTE)
        first = receive(ws)
        _move(app, clock, tracked.job.id, JobStatus.ON_SITE)
        second = receive(ws)
        _move(app, clock, tracked.job.id, JobStatus.IN_SERVICE)
        third = receive(ws)
    # Each message is news (an update is rendered whenever the relay gets to an event, so ids may lag).
    statuses = [m["payload"]["status"] for m in (first, second, third)]
    assert statuses == ["en_route", "on_site", "in_service"]
