"""Recording the work on a job: parts used, labour time and notes, each with its job event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col

from dispatch.events.service import record_event
from dispatch.jobs.models import JobNote, JobPart, RescueJob
from field_app_api.crew import Crew


def _job_event(
    session: Session, *, kind: str, crew: Crew, job: RescueJob, now: datetime, data: dict[str, Any]
) -> None:
    record_event(
        session,
        kind=kind,
        actor=crew.actor,
        at=now,
        job_id=job.id,
        van_id=crew.van_id,
        city_adcode=job.city_adcode,
        data=data,
    )


def add_note(*, session: Session, crew: Crew, job: RescueJob, text: str, now: datetime) -> JobNote:
    note = JobNote(job_id=job.id, author=crew.actor, text=text, created_at=now)
    session.add(note)
    session.flush()
    _job_event(session, kind="job.note", crew=crew, job=job, now=now, data={"note_id": note.id, "text": text})
    return note


def add_parts(
    *, session: Session, crew: Crew, job: RescueJob, parts: Sequence[tuple[str, int]], now: datetime
) -> list[JobPart]:
    rows = [
        JobPart(job_id=job.id, part_number=number, quantity=quantity, recorded_by=crew.actor, recorded_at=now)
        for number, quantity in parts
    ]
    session.add_all(rows)
    session.flush()
    data = {"parts": [{"part_number": p.part_number, "quantity": p.quantity} for p in rows]}
    _job_event(session, kind="job.parts", crew=crew, job=job, now=now, data=data)
    return rows


def add_labour(*, session: Session, crew: Crew, job: RescueJob, minutes: int, now: datetime) -> int:
    """Add `minutes` to the job's labour time (an atomic increment, safe against concurrent adds)."""
    session.execute(
        update(RescueJob)
        .where(col(RescueJob.id) == job.id)
        .values(labour_minutes=func.coalesce(col(RescueJob.labour_minutes), 0) + minutes, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    total = job.labour_minutes or 0
    _job_event(
        session,
        kind="job.labour",
        crew=crew,
        job=job,
        now=now,
        data={"added_minutes": minutes, "total": total},
    )
    return total
