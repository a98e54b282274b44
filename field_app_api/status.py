"""A crew moves its job along: thin wrappers that gather each step's data and call the job lifecycle.

The rules (which moves are legal, what happens to the van, the events) live in `dispatch.jobs.lifecycle`;
this module only checks what the tablet sent refers to real things (the tow destination, the signature).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from dispatch.errors import InvalidInput
from dispatch.fleet.models import ServiceStation
from dispatch.jobs.lifecycle import allowed_next, transition
from dispatch.jobs.models import AttachmentKind, JobAttachment, JobStatus, RescueJob
from field_app_api.crew import Crew

TECHNICIAN_MOVES = frozenset(
    {
        JobStatus.EN_ROUTE,
        JobStatus.ON_SITE,
        JobStatus.IN_SERVICE,
        JobStatus.COMPLETED,
        JobStatus.TOWED,
        JobStatus.FAILED,
    }
)


def crew_next_statuses(job: RescueJob) -> list[str]:
    """The moves the crew can make from the job's current status (the lifecycle's, minus staff-only ones)."""
    return sorted(s.value for s in allowed_next(job.status) & TECHNICIAN_MOVES)


def change_status(
    *,
    session: Session,
    crew: Crew,
    job: RescueJob,
    to_status: JobStatus,
    now: datetime,
    tracking_link_ttl_hours: int,
    towed_to_station_id: int | None = None,
    reason: str | None = None,
    recorded_at: datetime | None = None,
) -> RescueJob:
    """Move the crew's job to `to_status`; towed needs a real station, failed a reason."""
    details: dict[str, Any] = {}
    if to_status is JobStatus.TOWED:
        details["towed_to_station_id"] = _station_id(session, towed_to_station_id)
    if reason:
        details["closed_reason" if to_status is JobStatus.FAILED else "reason"] = reason
    if recorded_at is not None:
        details["recorded_at"] = recorded_at
    transition(
        session=session,
        job=job,
        to_status=to_status,
        actor=crew.actor,
        now=now,
        tracking_link_ttl_hours=tracking_link_ttl_hours,
        **details,
    )
    return job


def complete_job(
    *,
    session: Session,
    crew: Crew,
    job: RescueJob,
    fault_found: str,
    work_done: str,
    repaired_on_site: bool,
    now: datetime,
    tracking_link_ttl_hours: int,
    towed_to_station_id: int | None = None,
    signature_id: uuid.UUID | None = None,
) -> RescueJob:
    """Close the job with the completion report: completed when repaired on site, otherwise towed."""
    details: dict[str, Any] = {
        "fault_found": fault_found,
        "work_done": work_done,
        "repaired_on_site": repaired_on_site,
    }
    if not repaired_on_site:
        details["towed_to_station_id"] = _station_id(session, towed_to_station_id)
    if signature_id is not None:
        details["signature_id"] = _signature_of(session, job, signature_id)
    transition(
        session=session,
        job=job,
        to_status=JobStatus.COMPLETED if repaired_on_site else JobStatus.TOWED,
        actor=crew.actor,
        now=now,
        tracking_link_ttl_hours=tracking_link_ttl_hours,
        **details,
    )
    return job


def _station_id(session: Session, station_id: int | None) -> int:
    if station_id is None or session.get(ServiceStation, station_id) is None:
        raise InvalidInput(
            f"服务站 {station_id} 不存在 / Service station {station_id} not found",
            field="towed_to_station_id",
        )
    return station_id


def _signature_of(session: Session, job: RescueJob, signature_id: uuid.UUID) -> str:
    attachment = session.get(JobAttachment, signature_id)
    if attachment is None or attachment.job_id != job.id or attachment.kind != AttachmentKind.SIGNATURE:
        raise InvalidInput(
            "签名图片不存在或不属于此救援单 / Signature not found for this job", field="signature_id"
        )
    return str(signature_id)
