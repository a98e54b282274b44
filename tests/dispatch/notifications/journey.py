"""A rescue job's life written through the real services (intake's event, offers, the lifecycle)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from dispatch.events.service import record_event
from dispatch.jobs.lifecycle import transition
from dispatch.jobs.models import JobOffer, JobStatus, RescueJob
from dispatch.jobs.offers import accept_offer, offer_job
from tests.dispatch.jobs.conftest import insert_job


def call_in(db: Session, at: datetime, **overrides: Any) -> RescueJob:
    """A job created as intake creates it, with its ``job.created`` event."""
    job = insert_job(db, at, **overrides)
    record_event(
        db, kind="job.created", actor="agent", at=at, job_id=job.id, city_adcode=job.city_adcode,
        to_status=job.status, data={"reference": job.reference},
    )  # fmt: skip
    return job


def offer(db: Session, job: RescueJob, van_id: int, at: datetime, eta_s: int = 900) -> JobOffer:
    return offer_job(session=db, job=job, van_id=van_id, actor="agent", now=at, timeout_s=90, eta_s=eta_s)


def accept(db: Session, offer_row: JobOffer, van_id: int, at: datetime, eta_s: int | None = None) -> None:
    assert offer_row.id is not None
    accept_offer(session=db, offer_id=offer_row.id, van_id=van_id, actor="tech", now=at, eta_s=eta_s)


def move(db: Session, job: RescueJob, to_status: JobStatus, at: datetime, **details: Any) -> None:
    db.refresh(job)
    transition(session=db, job=job, to_status=to_status, actor="tech", now=at, **details)


def full_rescue(db: Session, van_id: int, called_at: datetime, *, minutes: dict[str, float]) -> RescueJob:
    """Called at `called_at`, then each step `minutes` after the call (offered, accepted, ...)."""
    from datetime import timedelta

    def at(step: str) -> datetime:
        return called_at + timedelta(minutes=minutes[step])

    job = call_in(db, called_at)
    offer_row = offer(db, job, van_id, at("offered"))
    accept(db, offer_row, van_id, at("accepted"), eta_s=int(minutes["promised"] * 60))
    for step, status in (("en_route", JobStatus.EN_ROUTE), ("on_site", JobStatus.ON_SITE)):
        move(db, job, status, at(step))
    move(db, job, JobStatus.IN_SERVICE, at("on_site"))
    if "completed" in minutes:
        move(db, job, JobStatus.COMPLETED, at("completed"), repaired_on_site=True)
    db.flush()
    return job
