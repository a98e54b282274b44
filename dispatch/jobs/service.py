"""Call-center use cases on rescue jobs: find, rank, dispatch (auto or the agent's pick), cancel, audit.

Each function is one use case for one router; all take ``*, session`` and never commit.

- ``get_job(*, session, key) -> RescueJob``: by UUID or human reference (``RJ-261123-7K4QX``); 404 otherwise.
- ``list_jobs(*, session, statuses=None, is_open=None, city_adcode=None, needs_attention=None, q=None,
  limit=50, offset=0) -> JobPage``: a page of jobs and the total; `q` searches phones, plates, VINs and
  references.
- ``rank_job(*, session, job, now, settings, explain=False) -> CandidateSearch``: candidates for a waiting
  job; a ``created`` job nobody can serve becomes ``uncovered``.
- ``dispatch_job(*, session, job, actor, now, settings, van_id=None, reason=None) -> DispatchOutcome``:
  auto-dispatch to the best free candidate, or the agent's pick (``van_id`` + ``reason``).
- ``cancel_job(*, session, job, actor, now, reason, settings) -> RescueJob``
- ``job_events(*, session, job) -> list[Event]``: the job's audit trail, oldest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, or_, select

from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.events.models import Event
from dispatch.events.service import record_event
from dispatch.fleet.models import ServiceStation, Van, VanKind
from dispatch.jobs.lifecycle import transition
from dispatch.jobs.matching import CandidateSearch, search_candidates
from dispatch.jobs.models import CLOSED_STATUSES, JobOffer, JobStatus, RescueJob
from dispatch.jobs.offers import offer_job, offer_to_first_free
from dispatch.owners.plates import normalise_plate
from dispatch.settings import Settings
from dispatch.travel_times import travel_provider
from routing.geodesy import Location

WAITING_STATUSES = frozenset({JobStatus.CREATED, JobStatus.UNCOVERED})


@dataclass(frozen=True)
class DispatchOutcome:
    job: RescueJob
    offer: JobOffer | None
    search: CandidateSearch | None


def get_job(*, session: Session, key: str) -> RescueJob:
    """A job by its UUID or its reference."""
    job: RescueJob | None = None
    try:
        job = session.get(RescueJob, uuid.UUID(key))
    except ValueError:
        job = session.exec(select(RescueJob).where(RescueJob.reference == key.upper())).first()
    if job is None:
        raise NotFound(f"未找到救援单 {key} / Rescue job {key} not found")
    return job


@dataclass(frozen=True)
class JobPage:
    jobs: Sequence[RescueJob]
    total: int  # before offset and limit


def list_jobs(
    *,
    session: Session,
    statuses: Sequence[JobStatus] | None = None,
    is_open: bool | None = None,
    city_adcode: str | None = None,
    needs_attention: bool | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> JobPage:
    """Newest first; `q` finds a caller's phone, a plate or VIN, or a reference, however typed.

    `statuses` keeps jobs in any of them; `is_open` keeps open (True) or closed (False) jobs."""
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(col(RescueJob.status).in_(list(statuses)))
    if is_open is not None:
        closed = col(RescueJob.status).in_(list(CLOSED_STATUSES))
        conditions.append(~closed if is_open else closed)
    if city_adcode is not None:
        conditions.append(col(RescueJob.city_adcode) == city_adcode)
    if needs_attention is not None:
        conditions.append(col(RescueJob.needs_attention) == needs_attention)
    if q:
        conditions.append(_matches(q))
    query = select(RescueJob).where(*conditions)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = query.order_by(col(RescueJob.created_at).desc()).offset(offset).limit(limit)
    return JobPage(session.exec(page).all(), int(total))


def _matches(q: str) -> ColumnElement[bool]:
    term = q.strip()
    plate = normalise_plate(term)
    digits = "".join(ch for ch in term if ch.isdigit())
    options = [
        col(RescueJob.reference).contains(term.upper(), autoescape=True),
        col(RescueJob.vehicle_vin) == term.upper(),
    ]
    if plate:
        options.append(col(RescueJob.vehicle_plate).contains(plate, autoescape=True))
    if len(digits) >= 4:
        options.append(col(RescueJob.caller_phone).contains(digits, autoescape=True))
    return or_(*options)


def rank_job(
    *, session: Session, job: RescueJob, now: datetime, settings: Settings, explain: bool = False
) -> CandidateSearch:
    """Candidates for `job`; a freshly created job that no van can serve is marked ``uncovered``."""
    search = search_candidates(session=session, job=job, now=now, settings=settings, explain=explain)
    if job.status == JobStatus.CREATED and not search.candidates:
        transition(
            session=session,
            job=job,
            to_status=JobStatus.UNCOVERED,
            actor="system",
            now=now,
            needs_attention=True,
            attention_reason="半径内无可用救援车 / No qualifying van within the rescue radius",
            nearest_beyond_radius=[v.plate for v in search.nearest_beyond_radius],
            nearest_mobile_stations=[v.plate for v in search.nearest_mobile_stations],
        )
    return search


def dispatch_job(
    *,
    session: Session,
    job: RescueJob,
    actor: str,
    now: datetime,
    settings: Settings,
    van_id: int | None = None,
    reason: str | None = None,
) -> DispatchOutcome:
    """Offer `job` to the best free candidate, or to the agent's pick (which needs a reason)."""
    if job.status not in WAITING_STATUSES:
        raise Conflict(
            f"救援单 {job.reference} 当前状态为 {job.status}，不能派单 / "
            f"Job {job.reference} is {job.status} and cannot be dispatched",
            details={"current_status": job.status},
        )
    if van_id is not None:
        return DispatchOutcome(job, _dispatch_to(session, job, van_id, reason, actor, now, settings), None)
    search = rank_job(session=session, job=job, now=now, settings=settings)
    offer = offer_to_first_free(
        session=session,
        job=job,
        targets=search.offer_targets(),
        actor=actor,
        now=now,
        timeout_s=settings.offer_timeout_s,
    )
    if offer is None and not job.needs_attention:
        _flag_for_attention(session, job, actor, now, "半径内车辆均在执行任务 / Every van in range is taken")
    return DispatchOutcome(job, offer, search)


def _flag_for_attention(session: Session, job: RescueJob, actor: str, now: datetime, reason: str) -> None:
    """Put the job on the agents' attention list (``needs_attention``), with a ``job.attention`` event."""
    job.needs_attention = True
    job.attention_reason = reason
    job.updated_at = now
    session.add(job)
    record_event(
        session,
        kind="job.attention",
        actor=actor,
        at=now,
        job_id=job.id,
        city_adcode=job.city_adcode,
        data={"reason": reason},
    )


def cancel_job(
    *, session: Session, job: RescueJob, actor: str, now: datetime, reason: str, settings: Settings
) -> RescueJob:
    transition(
        session=session,
        job=job,
        to_status=JobStatus.CANCELLED,
        actor=actor,
        now=now,
        tracking_link_ttl_hours=settings.tracking_link_ttl_hours,
        closed_reason=reason,
        closed_by=actor,
    )
    return job


def job_events(*, session: Session, job: RescueJob) -> Sequence[Event]:
    return session.exec(select(Event).where(Event.job_id == job.id).order_by(col(Event.id))).all()


def _dispatch_to(
    session: Session,
    job: RescueJob,
    van_id: int,
    reason: str | None,
    actor: str,
    now: datetime,
    settings: Settings,
) -> JobOffer:
    """The agent's pick: any free rescue van, with the reason on record and its ETA priced the same way."""
    if not reason:
        raise InvalidInput("指定车辆时请说明原因 / A reason is required to pick a van", field="reason")
    van = session.get(Van, van_id)
    if van is None or van.kind != VanKind.RESCUE:
        raise InvalidInput(f"没有救援车 {van_id} / No rescue van {van_id}", field="van_id")
    search = search_candidates(session=session, job=job, now=now, settings=settings)
    ranked = next((c for c in search.candidates if c.van_id == van_id), None)
    if ranked is not None:
        rank, distance_km, eta_s, eta_kind = ranked.rank, ranked.distance_km, ranked.eta_s, ranked.eta_kind
    else:
        rank, (distance_km, eta_s, eta_kind) = None, _price_from_van(session, van, job, settings)
    return offer_job(
        session=session,
        job=job,
        van_id=van_id,
        actor=actor,
        now=now,
        timeout_s=settings.offer_timeout_s,
        rank=rank,
        distance_km=distance_km,
        eta_s=eta_s,
        override_reason=reason,
        eta_kind=eta_kind,
    )


def _price_from_van(session: Session, van: Van, job: RescueJob, settings: Settings) -> tuple[float, int, str]:
    if van.last_lat is not None and van.last_lon is not None:
        origin = Location(van.last_lat, van.last_lon)
    else:
        station = session.get(ServiceStation, van.station_id)
        assert station is not None
        origin = Location(station.lat, station.lon)
    drive = travel_provider(settings)(origin, Location(job.lat, job.lon))
    return drive.distance_km, int(round(drive.duration_s)), drive.kind.value
