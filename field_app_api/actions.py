"""The crew's write actions, shared by the single endpoints and the offline batch.

Each action takes the request `Context`, checks the job is the crew's (404/403), calls one service and
returns the response model, so a queued action in a batch behaves exactly like the same request sent alone
(and a batch item's idempotency key replays a single request with the same key, and vice versa).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dispatch.campaigns.models import Booking, PlanVisit, VisitStatus
from dispatch.campaigns.visits import allowed_next, change_visit_status
from dispatch.jobs.models import JobStatus, RescueJob
from dispatch.settings import Settings
from dispatch.travel_times import DriveTime
from field_app_api import pings, status, work
from field_app_api.crew import Crew, crew_job, crew_visit
from field_app_api.schemas import (
    CompletionReport,
    JobRead,
    LabourCreate,
    LabourRead,
    NoteCreate,
    NoteRead,
    PartRead,
    PartsCreate,
    PingIn,
    PingResult,
    StatusChange,
    VisitRead,
    VisitStatusChange,
)
from routing.datums import to_wgs84

PREFIX = "/api/field"


@dataclass(frozen=True)
class Context:
    session: Session
    crew: Crew
    now: datetime
    settings: Settings
    drive_time: DriveTime


def job_read(job: RescueJob) -> JobRead:
    read = JobRead.model_validate(job)
    read.allowed_next = status.crew_next_statuses(job)
    return read


def change_status(ctx: Context, job_id: uuid.UUID, body: StatusChange) -> JobRead:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    status.change_status(
        session=ctx.session,
        crew=ctx.crew,
        job=job,
        to_status=JobStatus(body.status),
        now=ctx.now,
        tracking_link_ttl_hours=ctx.settings.tracking_link_ttl_hours,
        towed_to_station_id=body.towed_to_station_id,
        reason=body.reason,
        recorded_at=body.recorded_at,
    )
    return job_read(job)


def complete(ctx: Context, job_id: uuid.UUID, body: CompletionReport) -> JobRead:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    status.complete_job(
        session=ctx.session,
        crew=ctx.crew,
        job=job,
        fault_found=body.fault_found,
        work_done=body.work_done,
        repaired_on_site=body.repaired_on_site,
        towed_to_station_id=body.towed_to_station_id,
        signature_id=body.signature_id,
        now=ctx.now,
        tracking_link_ttl_hours=ctx.settings.tracking_link_ttl_hours,
    )
    return job_read(job)


def add_note(ctx: Context, job_id: uuid.UUID, body: NoteCreate) -> NoteRead:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    note = work.add_note(session=ctx.session, crew=ctx.crew, job=job, text=body.text, now=ctx.now)
    return NoteRead.model_validate(note)


def add_parts(ctx: Context, job_id: uuid.UUID, body: PartsCreate) -> list[PartRead]:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    used = [(p.part_number, p.quantity) for p in body.parts]
    rows = work.add_parts(session=ctx.session, crew=ctx.crew, job=job, parts=used, now=ctx.now)
    return [PartRead.model_validate(row) for row in rows]


def add_labour(ctx: Context, job_id: uuid.UUID, body: LabourCreate) -> LabourRead:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    total = work.add_labour(session=ctx.session, crew=ctx.crew, job=job, minutes=body.minutes, now=ctx.now)
    return LabourRead(job_id=job.id, labour_minutes=total)


def move_visit(ctx: Context, visit_id: int, body: VisitStatusChange) -> VisitRead:
    visit = crew_visit(session=ctx.session, crew=ctx.crew, visit_id=visit_id)
    change_visit_status(
        session=ctx.session,
        visit=visit,
        to_status=VisitStatus(body.status),
        actor=ctx.crew.actor,
        now=ctx.now,
        reason=body.reason,
        recorded_at=body.recorded_at,
    )
    return visit_read(ctx.session, visit)


def visit_read(session: Session, visit: PlanVisit) -> VisitRead:
    assert visit.id is not None
    booking = session.get(Booking, visit.booking_id) if visit.booking_id is not None else None
    return VisitRead(
        visit_id=visit.id,
        plan_id=visit.plan_id,
        van_id=visit.van_id,
        sequence=visit.sequence,
        booking_id=visit.booking_id,
        booking_reference=booking.reference if booking is not None else None,
        booking_status=str(booking.status) if booking is not None else None,
        status=str(VisitStatus(visit.status).value),
        allowed_next=allowed_next(visit.status),
        planned_arrival_at=visit.arrival_at,
        planned_departure_at=visit.departure_at,
    )


def record_pings(ctx: Context, body: PingIn | list[PingIn]) -> PingResult:
    received = body if isinstance(body, list) else [body]
    result = pings.record_pings(
        session=ctx.session,
        van_id=ctx.crew.van_id,
        pings=[_ping(p) for p in received],
        actor=ctx.crew.actor,
        now=ctx.now,
        drive_time=ctx.drive_time,
        eta_threshold_s=ctx.settings.eta_update_threshold_s,
    )
    eta = result.eta
    return PingResult(
        accepted=result.accepted,
        ignored_future=result.ignored_future,
        rejected_outside=result.rejected_outside,
        position_updated=result.position_updated,
        last_position_at=result.last_position_at,
        job_id=eta.job_id if eta else None,
        eta_s=eta.eta_s if eta else None,
        eta_at=eta.eta_at if eta else None,
        eta_changed=eta.changed if eta else False,
        eta_kind=eta.eta_kind if eta else None,
    )


def _ping(received: PingIn) -> pings.Ping:
    """A ping in WGS-84, whatever datum the tablet's map uses."""
    lat, lon = to_wgs84(received.lat, received.lon, received.datum)
    fields = received.model_dump(exclude={"datum", "lat", "lon"})
    return pings.Ping(lat=lat, lon=lon, **fields)
