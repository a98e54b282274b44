"""The rescue job state machine: every status change of a job goes through :func:`transition`.

States (``JobStatus``)::

    created ──► offered ──► accepted ──► en_route ──► on_site ──► in_service ──► completed
       │  ▲        │                                     │            ├────────► towed
       │  └────────┘ declined / offer expired            └──► towed   └────────► failed
       ├──► uncovered (no van qualifies; the agent escalates) ──► offered | created
       └──► cancelled   (from any open state before service starts; by whom, why)
    accepted, en_route, on_site, in_service ──► failed

Usage (inside a service; the caller owns the transaction)::

    event = transition(session=session, job=job, to_status=JobStatus.EN_ROUTE, actor="tech001", now=now)

What one call does, atomically within the caller's transaction:

- checks the allowed-transition table; an illegal move raises ``IllegalTransition`` (409) whose message and
  ``details`` carry the current state;
- applies the status with ``UPDATE ... WHERE id = :id AND version = :version`` (optimistic concurrency): if
  another request changed the job since it was loaded, that is a 409 too (``details.current_status``);
- applies the known detail fields given as keyword arguments (:data:`JOB_DETAIL_FIELDS`, e.g.
  ``closed_reason=``, ``towed_to_station_id=``, ``work_done=``) to the job; every detail also goes into the
  event's ``data``;
- appends one ``job.status`` event (actor, time, from, to, data);
- when the van no longer holds the job (back to ``created``/``uncovered``, or closed) it releases the van
  with a conditional UPDATE and withdraws any pending offer; on closing it clears ``open_vehicle_key``, sets
  ``closed_at`` and lets the owner's tracking link live ``tracking_link_ttl_hours`` more.

Claiming a van for a job is not done here but in :mod:`dispatch.jobs.offers` (``offer_job``), which then
calls ``transition(..., to_status=OFFERED, van_id=...)``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from dispatch.errors import IllegalTransition
from dispatch.events.models import Event
from dispatch.events.service import record_event
from dispatch.fleet.models import Van, VanStatus
from dispatch.jobs.models import (
    CLOSED_STATUSES,
    VAN_HOLDING_STATUSES,
    JobOffer,
    JobStatus,
    OfferStatus,
    RescueJob,
)
from dispatch.tracking.models import TrackingLink

S = JobStatus
ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.CREATED: frozenset({S.OFFERED, S.UNCOVERED, S.CANCELLED}),
    S.UNCOVERED: frozenset({S.OFFERED, S.CREATED, S.CANCELLED}),
    S.OFFERED: frozenset({S.ACCEPTED, S.CREATED, S.UNCOVERED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.EN_ROUTE, S.CANCELLED, S.FAILED}),
    S.EN_ROUTE: frozenset({S.ON_SITE, S.CANCELLED, S.FAILED}),
    S.ON_SITE: frozenset({S.IN_SERVICE, S.TOWED, S.CANCELLED, S.FAILED}),
    S.IN_SERVICE: frozenset({S.COMPLETED, S.TOWED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.TOWED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}
"""from-status -> the statuses it may move to. Closed statuses are final."""

OPEN_STATUSES = frozenset(JobStatus) - CLOSED_STATUSES

JOB_DETAIL_FIELDS = frozenset(
    {
        "van_id",
        "eta_s",
        "eta_at",
        "eta_kind",
        "promised_eta_at",
        "needs_attention",
        "attention_reason",
        "towed_to_station_id",
        "closed_reason",
        "closed_by",
        "fault_found",
        "work_done",
        "labour_minutes",
        "repaired_on_site",
    }
)
"""Keyword details that :func:`transition` also writes onto the job; anything else only goes to the event."""


def allowed_next(status: JobStatus) -> frozenset[JobStatus]:
    """The statuses a job in `status` may move to (empty for closed jobs)."""
    return ALLOWED_TRANSITIONS[JobStatus(status)]


def is_closed(status: JobStatus) -> bool:
    return JobStatus(status) in CLOSED_STATUSES


def transition(
    *,
    session: Session,
    job: RescueJob,
    to_status: JobStatus,
    actor: str,
    now: datetime,
    tracking_link_ttl_hours: int = 24,
    **details: Any,
) -> Event:
    """Move `job` to `to_status` and append its ``job.status`` event; see the module docstring.

    Raises ``IllegalTransition`` (409) for a move the table forbids or when the job changed meanwhile.
    Returns the flushed event (its id is the stream position).
    """
    from_status = JobStatus(job.status)
    to_status = JobStatus(to_status)
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise _illegal(job, from_status, to_status)
    _compare_and_set_status(session, job, from_status, to_status, now)

    for name, value in details.items():
        if name in JOB_DETAIL_FIELDS:
            setattr(job, name, value)
    released_van_id = job.van_id if to_status not in VAN_HOLDING_STATUSES else None
    if released_van_id is not None:
        release_van(session=session, van_id=released_van_id, job=job)
    if from_status is S.OFFERED and to_status is not S.ACCEPTED:
        _withdraw_pending_offers(session, job, now)
    if to_status in (S.CREATED, S.UNCOVERED):
        job.van_id = None
        job.eta_s = None
        job.eta_at = None
    if to_status in CLOSED_STATUSES:
        _close(session, job, actor, now, tracking_link_ttl_hours)
    session.add(job)
    session.flush()
    return record_event(
        session,
        kind="job.status",
        actor=actor,
        at=now,
        job_id=job.id,
        van_id=job.van_id if job.van_id is not None else released_van_id,
        city_adcode=job.city_adcode,
        from_status=from_status.value,
        to_status=to_status.value,
        data=_jsonable(details),
    )


def release_van(*, session: Session, van_id: int, job: RescueJob) -> bool:
    """Free `van_id` if (and only if) it still holds `job`; a busy van becomes available again."""
    result = session.execute(
        update(Van)
        .where(col(Van.id) == van_id, col(Van.current_job_id) == job.id)
        .values(
            current_job_id=None,
            status=case(
                (col(Van.status) == VanStatus.BUSY.value, VanStatus.AVAILABLE.value), else_=col(Van.status)
            ),
        )
        .execution_options(synchronize_session=False)
    )
    forget_cached_van(session, van_id)
    return affected_rows(result) == 1


def _compare_and_set_status(
    session: Session, job: RescueJob, from_status: JobStatus, to_status: JobStatus, now: datetime
) -> None:
    """The optimistic-concurrency write: only succeeds if nobody changed the job since we loaded it."""
    result = session.execute(
        update(RescueJob)
        .where(
            col(RescueJob.id) == job.id,
            col(RescueJob.version) == job.version,
            col(RescueJob.status) == from_status.value,
        )
        .values(status=to_status.value, version=job.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        current = session.exec(select(RescueJob.status).where(RescueJob.id == job.id)).one_or_none()
        raise IllegalTransition(
            f"救援单 {job.reference} 已被他人更新（当前状态 {current}）/ "
            f"Job {job.reference} was changed by someone else (now {current})",
            details={"current_status": current, "requested_status": to_status.value, "reason": "stale"},
        )
    set_committed_value(job, "status", to_status)
    set_committed_value(job, "version", job.version + 1)
    set_committed_value(job, "updated_at", now)


def _close(session: Session, job: RescueJob, actor: str, now: datetime, ttl_hours: int) -> None:
    job.closed_at = now
    job.open_vehicle_key = None
    if job.closed_by is None:
        job.closed_by = actor
    job.needs_attention = False
    session.execute(
        update(TrackingLink)
        .where(col(TrackingLink.job_id) == job.id)
        .values(expires_at=now + timedelta(hours=ttl_hours))
        .execution_options(synchronize_session=False)
    )


def _withdraw_pending_offers(session: Session, job: RescueJob, now: datetime) -> None:
    session.execute(
        update(JobOffer)
        .where(col(JobOffer.job_id) == job.id, col(JobOffer.status) == OfferStatus.PENDING.value)
        .values(status=OfferStatus.WITHDRAWN.value, responded_at=now)
        .execution_options(synchronize_session=False)
    )


def _illegal(job: RescueJob, from_status: JobStatus, to_status: JobStatus) -> IllegalTransition:
    allowed = sorted(s.value for s in ALLOWED_TRANSITIONS[from_status])
    return IllegalTransition(
        f"救援单 {job.reference} 当前状态为 {from_status.value}，不能变为 {to_status.value} / "
        f"Job {job.reference} is {from_status.value} and cannot become {to_status.value}",
        details={
            "current_status": from_status.value,
            "requested_status": to_status.value,
            "allowed": allowed,
        },
    )


def forget_cached_van(session: Session, van_id: int) -> None:
    """Core UPDATEs bypass the identity map: make a loaded Van re-read its row next time."""
    for obj in session.identity_map.values():
        if isinstance(obj, Van) and obj.id == van_id:
            session.expire(obj)


def affected_rows(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    """Event data is JSON: datetimes as ISO 8601, UUIDs as strings."""
    out: dict[str, Any] = {}
    for name, value in details.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[name] = value
    return out
