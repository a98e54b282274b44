"""Idempotent writes: retries replay, a reused key with another body is refused, keys expire."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.jobs.models import JobNote, JobStatus, RescueJob
from field_app_api import idempotency
from field_app_api.idempotency import purge_expired, run_once
from field_app_api.models import IdempotencyRecord
from tests.field_app_api.conftest import new_key

Auth = Callable[[str], dict[str, str]]


def _note_count(db: Session, job: RescueJob) -> int:
    return len(db.exec(select(JobNote).where(JobNote.job_id == job.id)).all())


def test_retry_with_same_key_replays_and_changes_nothing(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    url = f"/api/field/jobs/{job.id}/notes"
    first = client.post(url, json={"text": "左前轮扎钉 / nail in front-left tyre"}, headers=headers)
    again = client.post(url, json={"text": "左前轮扎钉 / nail in front-left tyre"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _note_count(db, job) == 1
    events = db.exec(select(Event).where(Event.job_id == job.id, Event.kind == "job.note")).all()
    assert len(events) == 1


def test_replay_ignores_key_order_and_spacing(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key(), "Content-Type": "application/json"}
    url = f"/api/field/jobs/{job.id}/parts"
    client.post(url, content='{"parts": [{"part_number": "TY-205", "quantity": 1}]}', headers=headers)
    again = client.post(url, content='{ "parts":[ {"quantity":1,"part_number":"TY-205"} ] }', headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_different_body_is_422(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    url = f"/api/field/jobs/{job.id}/notes"
    assert client.post(url, json={"text": "first"}, headers=headers).status_code == 201
    response = client.post(url, json={"text": "second"}, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["field"] == "Idempotency-Key"
    assert _note_count(db, job) == 1


def test_same_key_on_another_endpoint_is_422(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    assert (
        client.post(f"/api/field/jobs/{job.id}/notes", json={"text": "x"}, headers=headers).status_code == 201
    )
    response = client.post(f"/api/field/jobs/{job.id}/labour", json={"minutes": 5}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_key_must_be_a_uuid(client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": "retry-1"}
    response = client.post(f"/api/field/jobs/{job.id}/notes", json={"text": "x"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"


def test_keys_belong_to_their_user(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    mine = make_job(JobStatus.ON_SITE, username="tech001")
    theirs = make_job(JobStatus.ON_SITE, username="tech002")
    key = new_key()
    first = client.post(
        f"/api/field/jobs/{mine.id}/notes",
        json={"text": "a"},
        headers={**auth("tech001"), "Idempotency-Key": key},
    )
    second = client.post(
        f"/api/field/jobs/{theirs.id}/notes",
        json={"text": "b"},
        headers={**auth("tech002"), "Idempotency-Key": key},
    )
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert _note_count(db, theirs) == 1


def test_a_failed_write_keeps_no_record_so_the_retry_runs(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ACCEPTED)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    url = f"/api/field/jobs/{job.id}/status"
    assert client.post(url, json={"status": "on_site"}, headers=headers).status_code == 409
    assert client.post(
        url, json={"status": "en_route"}, headers={**headers, "Idempotency-Key": new_key()}
    ).is_success
    retry = client.post(url, json={"status": "on_site"}, headers=headers)
    assert retry.status_code == 200
    assert retry.json()["status"] == "on_site"


def test_status_change_retry_does_not_hit_the_lifecycle_twice(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    url = f"/api/field/jobs/{job.id}/status"
    first = client.post(url, json={"status": "on_site"}, headers=headers)
    retry = client.post(url, json={"status": "on_site"}, headers=headers)  # would be 409 if re-applied
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()


def test_purge_removes_only_keys_past_retention(db: Session, clock: FrozenClock) -> None:
    now = clock.now()
    for hours_old in (1, 47, 73, 200):
        db.add(
            IdempotencyRecord(
                user_id=1,
                key=new_key(),
                method="POST",
                path="/x",
                request_hash="h",
                status_code=200,
                created_at=now - timedelta(hours=hours_old),
            )
        )
    db.flush()
    assert purge_expired(session=db, now=now, retention_hours=72) == 2
    remaining = db.exec(select(IdempotencyRecord).where(IdempotencyRecord.user_id == 1)).all()
    assert sorted(round((now - r.created_at).total_seconds() / 3600) for r in remaining) == [1, 47]


def test_retention_is_at_least_a_day(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.idempotency_retention_hours >= 48


def test_a_claimed_key_replays_without_running_the_action(db: Session, clock: FrozenClock) -> None:
    """What the loser of a race sees once the winner committed: its claim inserts nothing, it replays."""
    key = new_key()
    db.add(
        IdempotencyRecord(
            user_id=2,
            key=key,
            method="POST",
            path="/api/field/pings",
            request_hash=idempotency.request_hash("POST", "/api/field/pings", {"n": 1}),
            status_code=200,
            response_body={"accepted": 1},
            created_at=clock.now(),
        )
    )
    db.flush()
    ran: list[int] = []
    outcome = run_once(
        session=db,
        user_id=2,
        key=key,
        method="POST",
        path="/api/field/pings",
        body={"n": 1},
        now=clock.now(),
        status_code=200,
        action=lambda: ran.append(1),
    )
    assert ran == []
    assert outcome.replayed
    assert outcome.body == {"accepted": 1}


def test_uuid_keys_are_canonical() -> None:
    key = uuid.uuid4()
    assert idempotency.parse_key(str(key).upper()) == str(key)
    assert idempotency.parse_key(None) is None


def test_purge_worker_forgets_old_keys(engine, settings, clock: FrozenClock, db: Session) -> None:  # type: ignore[no-untyped-def]
    from field_app_api.housekeeping import IdempotencyPurgeWorker

    old = IdempotencyRecord(
        user_id=3,
        key=new_key(),
        method="POST",
        path="/x",
        request_hash="h",
        status_code=200,
        created_at=clock.now() - timedelta(hours=settings.idempotency_retention_hours + 1),
    )
    db.add(old)
    db.commit()
    worker = IdempotencyPurgeWorker(session_factory=lambda: db, settings=settings, clock=clock)
    assert worker.purge_once() == 1
    assert db.exec(select(IdempotencyRecord).where(IdempotencyRecord.user_id == 3)).all() == []
