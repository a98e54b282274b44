"""What a crew reads: its van's jobs (open and recently closed), their recorded work, pending offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from dispatch.jobs.models import (
    CLOSED_STATUSES,
    JobAttachment,
    JobNote,
    JobOffer,
    JobPart,
    OfferStatus,
    RescueJob,
)

RECENT_WINDOW = timedelta(days=7)
RECENT_LIMIT = 20
_CLOSED = [s.value for s in CLOSED_STATUSES]


@dataclass(frozen=True)
class VanJobs:
    active: list[RescueJob]
    recent: list[RescueJob]


@dataclass(frozen=True)
class JobWork:
    parts: list[JobPart]
    notes: list[JobNote]
    attachments: list[JobAttachment]


def van_jobs(*, session: Session, van_id: int, now: datetime) -> VanJobs:
    """Open jobs of the van, and those it closed in the last week (newest first)."""
    active = session.exec(
        select(RescueJob)
        .where(RescueJob.van_id == van_id, col(RescueJob.status).not_in(_CLOSED))
        .order_by(col(RescueJob.created_at))
    ).all()
    recent = session.exec(
        select(RescueJob)
        .where(
            RescueJob.van_id == van_id,
            col(RescueJob.status).in_(_CLOSED),
            col(RescueJob.closed_at) >= now - RECENT_WINDOW,
        )
        .order_by(col(RescueJob.closed_at).desc())
        .limit(RECENT_LIMIT)
    ).all()
    return VanJobs(active=list(active), recent=list(recent))


def job_work(*, session: Session, job_id: uuid.UUID) -> JobWork:
    parts = session.exec(select(JobPart).where(JobPart.job_id == job_id).order_by(col(JobPart.id))).all()
    notes = session.exec(select(JobNote).where(JobNote.job_id == job_id).order_by(col(JobNote.id))).all()
    attachments = session.exec(
        select(JobAttachment).where(JobAttachment.job_id == job_id).order_by(col(JobAttachment.uploaded_at))
    ).all()
    return JobWork(parts=list(parts), notes=list(notes), attachments=list(attachments))


def pending_offers(*, session: Session, van_id: int, now: datetime) -> list[tuple[JobOffer, RescueJob]]:
    """Offers to the van still awaiting an answer and not yet expired, oldest first."""
    rows = session.exec(
        select(JobOffer, RescueJob)
        .join(RescueJob, col(RescueJob.id) == col(JobOffer.job_id))
        .where(
            JobOffer.van_id == van_id,
            JobOffer.status == OfferStatus.PENDING.value,
            col(JobOffer.expires_at) > now,
        )
        .order_by(col(JobOffer.offered_at))
    ).all()
    return [(offer, job) for offer, job in rows]
