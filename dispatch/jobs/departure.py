"""When a van set off to its job: a drive priced from a GPS fix starts no earlier than that.

A fix taken 25 minutes before the van went en route says where it was, not that it had been driving: an ETA
of "fix time + drive time" would shrink by the van's idle time (issue 15, defect 1).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from dispatch.events.models import Event
from dispatch.jobs.models import JobStatus


def set_off_at(session: Session, job_id: uuid.UUID) -> datetime | None:
    """The moment the job last went ``en_route`` (None if it never did through the lifecycle)."""
    return session.exec(
        select(Event.created_at)
        .where(
            Event.job_id == job_id, Event.kind == "job.status", Event.to_status == JobStatus.EN_ROUTE.value
        )
        .order_by(col(Event.id).desc())
    ).first()


def drive_starts_at(fix_at: datetime, set_off: datetime | None) -> datetime:
    """The drive from a fix starts at the fix, or when the van set off if that was later."""
    return fix_at if set_off is None else max(fix_at, set_off)
