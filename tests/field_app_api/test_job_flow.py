"""A rescue from the tablet: offer, accept, drive, work, complete; the rules come from dispatch.jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.fleet.models import ServiceStation, Van
from dispatch.jobs.models import JobOffer, JobStatus, OfferStatus, RescueJob
from dispatch.jobs.offers import OfferTarget, offer_job
from field_app_api.views.offers import get_offer_picker
from tests.field_app_api.conftest import new_key, png_file, van_of

Auth = Callable[[str], dict[str, str]]


def _offer(db: Session, job: RescueJob, username: str, now: datetime) -> JobOffer:
    van = van_of(db, username)
    assert van.id is not None
    offer = offer_job(
        session=db, job=job, van_id=van.id, actor="agent:agent", now=now, timeout_s=90, eta_s=900
    )
    db.commit()
    return offer


def _station_id(db: Session) -> int:
    station_id = db.exec(select(ServiceStation.id)).first()
    assert station_id is not None
    return station_id


def _post(client: TestClient, auth: Auth, url: str, body: object) -> dict[str, object]:
    response = client.post(url, json=body, headers={**auth("tech001"), "Idempotency-Key": new_key()})
    assert response.is_success, response.text
    result: dict[str, object] = response.json()
    return result


def test_offer_accept_and_the_whole_rescue(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.CREATED, username=None)
    offer = _offer(db, job, "tech001", clock.now())
    offers = client.get("/api/field/offers", headers=auth("tech001")).json()
    assert [o["id"] for o in offers] == [offer.id]
    assert offers[0]["eta_s"] == 900 and "caller_phone" not in offers[0]
    assert offers[0]["vehicle_plate"] == job.vehicle_plate and offers[0]["expires_at"]
    assert client.get("/api/field/offers", headers=auth("tech002")).json() == []

    accepted = _post(client, auth, f"/api/field/offers/{offer.id}/accept", None)
    assert accepted["status"] == "accepted"
    assert accepted["allowed_next"] == ["en_route", "failed"]
    base = f"/api/field/jobs/{job.id}"
    for step in ("en_route", "on_site", "in_service"):
        assert _post(client, auth, f"{base}/status", {"status": step})["status"] == step
    _post(client, auth, f"{base}/parts", {"parts": [{"part_number": "TY-205/55R16", "quantity": 1}]})
    _post(client, auth, f"{base}/labour", {"minutes": 35})
    _post(client, auth, f"{base}/notes", {"text": "更换备胎 / fitted the spare"})
    signature = client.post(f"{base}/signature", files=png_file("sig.png"), headers=auth("tech001")).json()
    report = {
        "fault_found": "右后轮扎钉 / nail in rear-right tyre",
        "work_done": "更换备胎 / fitted the spare",
        "repaired_on_site": True,
        "signature_id": signature["id"],
    }
    done = _post(client, auth, f"{base}/complete", report)
    assert done["status"] == "completed"
    assert (done["labour_minutes"], done["repaired_on_site"]) == (35, True)
    assert done["allowed_next"] == []

    detail = client.get(base, headers=auth("tech001")).json()
    assert [p["part_number"] for p in detail["parts"]] == ["TY-205/55R16"]
    assert len(detail["notes"]) == 1 and len(detail["attachments"]) == 1
    jobs = client.get("/api/field/jobs", headers=auth("tech001")).json()
    assert jobs["active"] == [] and [j["id"] for j in jobs["recent"]] == [str(job.id)]
    db.expire_all()
    van = db.get(Van, van_of(db, "tech001").id)
    assert van is not None and van.current_job_id is None
    closing = db.exec(select(Event).where(Event.job_id == job.id, Event.to_status == "completed")).one()
    assert closing.data["signature_id"] == signature["id"]
    assert closing.actor == "technician:tech001"


def test_towed_needs_an_existing_station(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    url = f"/api/field/jobs/{job.id}/status"
    missing = client.post(url, json={"status": "towed"}, headers=auth("tech001"))
    assert missing.status_code == 422
    unknown = client.post(
        url, json={"status": "towed", "towed_to_station_id": 99999}, headers=auth("tech001")
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "towed_to_station_id"
    station_id = _station_id(db)
    towed = client.post(
        url, json={"status": "towed", "towed_to_station_id": station_id}, headers=auth("tech001")
    )
    assert towed.status_code == 200
    assert towed.json()["towed_to_station_id"] == station_id


def test_failed_needs_a_reason(client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]) -> None:
    job = make_job(JobStatus.ON_SITE)
    url = f"/api/field/jobs/{job.id}/status"
    assert client.post(url, json={"status": "failed"}, headers=auth("tech001")).status_code == 422
    failed = client.post(
        url, json={"status": "failed", "reason": "车主不在现场 / owner absent"}, headers=auth("tech001")
    )
    assert failed.status_code == 200
    assert failed.json()["closed_reason"] == "车主不在现场 / owner absent"


def test_not_repaired_completion_means_towed(
    client: TestClient, auth: Auth, db: Session, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.IN_SERVICE)
    report = {"fault_found": "变速箱故障 / gearbox", "work_done": "拖车 / towed", "repaired_on_site": False}
    url = f"/api/field/jobs/{job.id}/complete"
    assert client.post(url, json=report, headers=auth("tech001")).status_code == 422
    report["towed_to_station_id"] = _station_id(db)
    response = client.post(url, json=report, headers=auth("tech001"))
    assert response.json()["status"] == "towed"


def test_illegal_move_is_409_with_the_current_state(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    response = client.post(
        f"/api/field/jobs/{job.id}/status", json={"status": "completed"}, headers=auth("tech001")
    )
    assert response.status_code == 409
    assert response.json()["error"]["details"]["current_status"] == "en_route"


def test_technicians_cannot_cancel(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.EN_ROUTE)
    response = client.post(
        f"/api/field/jobs/{job.id}/status", json={"status": "cancelled"}, headers=auth("tech001")
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"


class NoMoreVans:
    def __call__(self, **_: object) -> Iterable[OfferTarget]:
        return []


def test_decline_with_a_reason(
    app: FastAPI,
    client: TestClient,
    auth: Auth,
    db: Session,
    clock: FrozenClock,
    make_job: Callable[..., RescueJob],
) -> None:
    app.dependency_overrides[get_offer_picker] = NoMoreVans
    job = make_job(JobStatus.CREATED, username=None)
    offer = _offer(db, job, "tech001", clock.now())
    url = f"/api/field/offers/{offer.id}/decline"
    assert client.post(url, json={}, headers=auth("tech001")).status_code == 422
    response = client.post(url, json={"reason": "车辆故障 / van broke down"}, headers=auth("tech001"))
    assert response.status_code == 200
    db.expire_all()
    declined = db.get(JobOffer, offer.id)
    assert declined is not None and declined.status == OfferStatus.DECLINED
    assert declined.decline_reason == "车辆故障 / van broke down"
    assert db.get(RescueJob, job.id).status == JobStatus.CREATED  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_someone_elses_offer_is_403(
    client: TestClient,
    auth: Auth,
    db: Session,
    clock: FrozenClock,
    make_job: Callable[..., RescueJob],
    answer: str,
) -> None:
    job = make_job(JobStatus.CREATED, username=None)
    offer = _offer(db, job, "tech002", clock.now())
    response = client.post(
        f"/api/field/offers/{offer.id}/{answer}", json={"reason": "x"}, headers=auth("tech001")
    )
    assert response.status_code == 403


def test_an_expired_offer_cannot_be_accepted(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.CREATED, username=None)
    offer = _offer(db, job, "tech001", clock.now())
    clock.advance(timedelta(seconds=91).total_seconds())
    assert client.get("/api/field/offers", headers=auth("tech001")).json() == []
    response = client.post(f"/api/field/offers/{offer.id}/accept", headers=auth("tech001"))
    assert response.status_code == 409
