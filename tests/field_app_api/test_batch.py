"""Offline batches: applied in order, one result per item, a bad item sinks nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.jobs.models import JobNote, JobStatus, RescueJob
from tests.field_app_api.conftest import NINGBO, new_key

Auth = Callable[[str], dict[str, str]]


def _statuses(db: Session, job: RescueJob) -> list[str | None]:
    events = db.exec(select(Event).where(Event.job_id == job.id, Event.kind == "job.status")).all()
    return [e.to_status for e in sorted(events, key=lambda e: e.id or 0)]


def test_items_apply_in_order_and_a_failing_item_fails_alone(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    other_van_job = make_job(JobStatus.EN_ROUTE, username="tech002")
    recorded = (clock.now() - timedelta(minutes=30)).isoformat()
    items = [
        {"type": "status", "job_id": str(job.id), "body": {"status": "on_site", "recorded_at": recorded}},
        {"type": "status", "job_id": str(job.id), "body": {"status": "completed"}},  # illegal from on_site
        {"type": "status", "job_id": str(job.id), "body": {"status": "in_service"}},
        {"type": "note", "job_id": str(uuid.uuid4()), "body": {"text": "unknown job"}},
        {"type": "note", "job_id": str(other_van_job.id), "body": {"text": "not my van"}},
        {"type": "note", "job_id": str(job.id), "body": {"text": ""}},
        {"type": "teleport", "job_id": str(job.id)},
        {"type": "note", "job_id": str(job.id), "body": {"text": "更换备胎 / spare fitted"}},
        {"type": "labour", "job_id": str(job.id), "body": {"minutes": 25}},
        {"type": "pings", "body": [{"lat": NINGBO[0], "lon": NINGBO[1], "recorded_at": recorded}]},
    ]
    response = client.post("/api/field/batch", json={"items": items}, headers=auth("tech001"))
    assert response.status_code == 200
    body = response.json()
    codes = [r["status_code"] for r in body["results"]]
    assert codes == [200, 409, 200, 404, 403, 422, 422, 201, 200, 200]
    assert [r["index"] for r in body["results"]] == list(range(len(items)))
    assert body["applied"] == 5 and body["failed"] == 5
    illegal = body["results"][1]["error"]
    assert illegal["code"] == "illegal_transition"
    assert illegal["details"]["current_status"] == "on_site"
    assert body["results"][5]["error"]["field"] == "items.5.body.text"
    assert body["results"][6]["error"]["code"] == "validation_error"

    db.expire_all()
    assert db.get(RescueJob, job.id).status == JobStatus.IN_SERVICE  # type: ignore[union-attr]
    assert _statuses(db, job) == ["on_site", "in_service"]  # the failed move left no event
    assert db.get(RescueJob, job.id).labour_minutes == 25  # type: ignore[union-attr]
    notes = db.exec(select(JobNote).where(JobNote.job_id == job.id)).all()
    assert [n.text for n in notes] == ["更换备胎 / spare fitted"]
    assert db.exec(select(JobNote).where(JobNote.job_id == other_van_job.id)).all() == []
    on_site = db.exec(select(Event).where(Event.job_id == job.id, Event.to_status == "on_site")).one()
    assert on_site.data["recorded_at"] == recorded


def _keyed(item_type: str, job: RescueJob, body: dict[str, object]) -> dict[str, object]:
    return {"type": item_type, "job_id": str(job.id), "idempotency_key": new_key(), "body": body}


def test_resent_batch_with_item_keys_applies_nothing_twice(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    items = [
        {
            "type": "status",
            "job_id": str(job.id),
            "idempotency_key": new_key(),
            "body": {"status": "on_site"},
        },
        {
            "type": "note",
            "job_id": str(job.id),
            "idempotency_key": new_key(),
            "body": {"text": "到达 / arrived"},
        },
        {"type": "labour", "job_id": str(job.id), "idempotency_key": new_key(), "body": {"minutes": 10}},
    ]
    first = client.post("/api/field/batch", json={"items": items}, headers=auth("tech001")).json()
    # The connection dropped before the answer arrived; the tablet sends the queue again, plus one more.
    items.append(
        {
            "type": "status",
            "job_id": str(job.id),
            "idempotency_key": new_key(),
            "body": {"status": "in_service"},
        }
    )
    second = client.post("/api/field/batch", json={"items": items}, headers=auth("tech001")).json()
    assert [r["status_code"] for r in first["results"]] == [200, 201, 200]
    assert [r["status_code"] for r in second["results"]] == [200, 201, 200, 200]
    assert [r["replayed"] for r in second["results"]] == [True, True, True, False]
    assert second["results"][1]["body"] == first["results"][1]["body"]
    db.expire_all()
    assert db.get(RescueJob, job.id).labour_minutes == 10  # type: ignore[union-attr]
    assert len(db.exec(select(JobNote).where(JobNote.job_id == job.id)).all()) == 1
    assert _statuses(db, job) == ["on_site", "in_service"]


def test_an_item_key_replays_the_same_request_sent_alone(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    key = new_key()
    alone = client.post(
        f"/api/field/jobs/{job.id}/notes",
        json={"text": "x"},
        headers={**auth("tech001"), "Idempotency-Key": key},
    )
    item = {"type": "note", "job_id": str(job.id), "idempotency_key": key, "body": {"text": "x"}}
    batch = client.post("/api/field/batch", json={"items": [item]}, headers=auth("tech001")).json()
    assert batch["results"][0]["replayed"] is True
    assert batch["results"][0]["body"] == alone.json()
    reused = {**item, "body": {"text": "y"}}
    batch = client.post("/api/field/batch", json={"items": [reused]}, headers=auth("tech001")).json()
    assert batch["results"][0]["status_code"] == 422
    assert batch["results"][0]["error"]["code"] == "idempotency_key_reused"
    assert batch["results"][0]["error"]["field"] == "Idempotency-Key"


def test_bad_item_key_names_the_item(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    item = {"type": "note", "job_id": str(job.id), "idempotency_key": "nope", "body": {"text": "x"}}
    result = client.post("/api/field/batch", json={"items": [item]}, headers=auth("tech001")).json()[
        "results"
    ][0]
    assert result["status_code"] == 422
    assert result["error"]["field"] == "items.0.idempotency_key"


def test_whole_batch_is_idempotent_too(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    items = [{"type": "labour", "job_id": str(job.id), "body": {"minutes": 15}}]
    first = client.post("/api/field/batch", json={"items": items}, headers=headers)
    again = client.post("/api/field/batch", json={"items": items}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    db.expire_all()
    assert db.get(RescueJob, job.id).labour_minutes == 15  # type: ignore[union-attr]


def test_empty_or_oversized_batch_is_422(client: TestClient, auth: Auth) -> None:
    assert client.post("/api/field/batch", json={"items": []}, headers=auth("tech001")).status_code == 422
    response = client.post("/api/field/batch", json={"items": [{}] * 1001}, headers=auth("tech001"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "items"
