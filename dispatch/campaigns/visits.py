"""The crew's progress through the published day plan: a visit is started, completed or skipped.

    planned ──▶ in_progress ──▶ completed
       │            │
       ├────────────┴─────────▶ skipped (with a reason)
       └──────────────────────▶ completed

Completed and skipped are final. Asking for the status a visit already has changes nothing (a tablet's
resend is harmless); any other move is an `IllegalTransition`. A completed visit serves its booking
(``booking.served``, which starts the follow-up calls); a skipped one leaves it missed (``no_show``), so the
booking leaves the day and a re-plan does not send a van there again. Started and completed visits are
what re-planning locks (`dispatch.campaigns.dayproblem.LOCKED_VISITS`).

A visit is found by its id on any plan the crew has seen: after a re-plan the same booking's stop on the
day's published plan is the one changed, so a change queued offline survives a re-publication.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from dispatch.campaigns.models import Booking, BookingStatus, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.errors import IllegalTransition, NotFound
from dispatch.events.service import record_event
from dispatch.followups.visits import mark_served
from dispatch.jobs.lifecycle import affected_rows

VISIT_MOVES: dict[VisitStatus, frozenset[VisitStatus]] = {
    VisitStatus.PLANNED: frozenset({VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED, VisitStatus.SKIPPED}),
    VisitStatus.IN_PROGRESS: frozenset({VisitStatus.COMPLETED, VisitStatus.SKIPPED}),
    VisitStatus.COMPLETED: frozenset(),
    VisitStatus.SKIPPED: frozenset(),
}
EVENT_KINDS = {
    VisitStatus.IN_PROGRESS: "visit.started",
    VisitStatus.COMPLETED: "visit.completed",
    VisitStatus.SKIPPED: "visit.skipped",
}
STATUS_WORDS = {
    VisitStatus.PLANNED: "待服务",
    VisitStatus.IN_PROGRESS: "服务中",
    VisitStatus.COMPLETED: "已完成",
    VisitStatus.SKIPPED: "已跳过",
}


def allowed_next(status: VisitStatus | str) -> list[str]:
    """The moves a crew can make from `status`, sorted."""
    return sorted(s.value for s in VISIT_MOVES[VisitStatus(status)])


def published_visit(*, session: Session, visit_id: int) -> PlanVisit:
    """The visit as it stands on its day's published plan; NotFound for drafts and unknown ids.

    The published plan's row is locked (on PostgreSQL) until the caller commits, so a plan published
    meanwhile waits and then carries this change over (`carry_marked_visits`).
    """
    visit = session.get(PlanVisit, visit_id)
    plan = session.get(RoutePlan, visit.plan_id) if visit is not None else None
    if visit is None or plan is None:
        raise NotFound(f"上门服务 {visit_id} 不存在 / Visit {visit_id} not found")
    if plan.status == PlanStatus.DRAFT:
        raise NotFound(
            f"上门服务 {visit_id} 所在的计划尚未发布 / Visit {visit_id} is on a plan that is not published",
            details={"plan_id": str(plan.id), "plan_status": str(plan.status)},
        )
    current = _lock_published_plan(session, plan)
    if current is not None and current.id == visit.plan_id:
        return visit
    newer = _visit_of_booking(session, current, visit) if current is not None else None
    if newer is None:
        raise NotFound(
            f"上门服务 {visit_id} 已不在当天发布的计划中 / "
            f"Visit {visit_id} is no longer on the day's published plan",
            details={"plan_id": str(plan.id), "plan_status": str(plan.status)},
        )
    return newer


def change_visit_status(
    *,
    session: Session,
    visit: PlanVisit,
    to_status: VisitStatus,
    actor: str,
    now: datetime,
    reason: str | None = None,
    recorded_at: datetime | None = None,
) -> PlanVisit:
    """Move `visit` (found with `published_visit`) to `to_status`, with its booking and an event."""
    from_status = VisitStatus(visit.status)
    if from_status is to_status:
        return visit
    booking = session.get(Booking, visit.booking_id) if visit.booking_id is not None else None
    if to_status not in VISIT_MOVES[from_status]:
        raise _illegal(visit, booking, from_status, to_status)
    if to_status is VisitStatus.SKIPPED and booking is not None and booking.status == BookingStatus.SERVED:
        raise IllegalTransition(
            f"预约 {booking.reference} 已完成服务，不能跳过 / Booking {booking.reference} was served and "
            "cannot be skipped",
            details={"current_status": from_status.value, "requested_status": to_status.value},
        )
    if not set_status_if(session, visit, from_status, to_status):
        if VisitStatus(visit.status) is to_status:
            return visit  # the crew's other tablet got there first
        raise _illegal(visit, booking, VisitStatus(visit.status), to_status)
    _record(session, visit, booking, from_status, to_status, actor, now, reason, recorded_at)
    if booking is not None:
        _update_booking(session, booking, to_status, actor, now, reason)
    return visit


def carry_marked_visits(
    *, session: Session, old_plan_id: uuid.UUID, new_plan_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Give the new plan's visits the statuses the crew set on the old one; returns the clashes.

    Started and completed visits carry over, and so do skipped ones whose booking left the day (missed or
    cancelled); a skipped stop of a booking that is still booked (moved to another window) does not.

    A clash is a visit started or completed on one van that the new plan gives to another: publishing that
    would tell the wrong crew it is done, so the caller refuses and the planner re-plans.
    """
    marked = {
        v.booking_id: v
        for v in session.exec(select(PlanVisit).where(PlanVisit.plan_id == old_plan_id))
        if v.booking_id is not None and v.status != VisitStatus.PLANNED
    }
    # A booking moved to another window keeps its old stop skipped, but is still booked: plan it afresh.
    skipped = [b for b, v in marked.items() if v.status == VisitStatus.SKIPPED]
    for still_booked in session.exec(
        select(Booking.id).where(col(Booking.id).in_(skipped), Booking.status == BookingStatus.BOOKED)
    ):
        del marked[still_booked]
    clashes = []
    for visit in session.exec(select(PlanVisit).where(PlanVisit.plan_id == new_plan_id)):
        done = marked.get(visit.booking_id) if visit.booking_id is not None else None
        if done is None or done.status == visit.status:
            continue
        if done.van_id != visit.van_id and done.status != VisitStatus.SKIPPED:
            clashes.append({"booking_id": str(visit.booking_id), "status": str(done.status)})
            continue
        visit.status = done.status
        session.add(visit)
    session.flush()
    return clashes


def _lock_published_plan(session: Session, plan: RoutePlan) -> RoutePlan | None:
    """The day's published plan, row-locked. Asked twice: a plan published while we waited for the lock
    was a draft when the first query started, so only a fresh query sees it."""
    query = (
        select(RoutePlan)
        .where(
            RoutePlan.campaign_id == plan.campaign_id,
            RoutePlan.service_date == plan.service_date,
            RoutePlan.status == PlanStatus.PUBLISHED,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).first() or session.exec(query).first()


def _visit_of_booking(session: Session, plan: RoutePlan, visit: PlanVisit) -> PlanVisit | None:
    if visit.booking_id is None:
        return None
    return session.exec(
        select(PlanVisit).where(PlanVisit.plan_id == plan.id, PlanVisit.booking_id == visit.booking_id)
    ).first()


def set_status_if(session: Session, visit: PlanVisit, from_status: VisitStatus, to: VisitStatus) -> bool:
    """Move `visit` to `to` only if it is still `from_status`; `visit` is refreshed either way.

    The conditional write that decides between the crew's two tablets, and between a crew starting a visit
    and an agent cancelling its booking.
    """
    result = session.execute(
        update(PlanVisit)
        .where(col(PlanVisit.id) == visit.id, col(PlanVisit.status) == from_status.value)
        .values(status=to.value)
        .execution_options(synchronize_session=False)
    )
    session.refresh(visit)
    return affected_rows(result) == 1


def _record(
    session: Session,
    visit: PlanVisit,
    booking: Booking | None,
    from_status: VisitStatus,
    to_status: VisitStatus,
    actor: str,
    now: datetime,
    reason: str | None,
    recorded_at: datetime | None,
) -> None:
    data: dict[str, Any] = {"visit_id": visit.id, "sequence": visit.sequence}
    if booking is not None:
        data |= {
            "reference": booking.reference,
            "campaign_id": str(booking.campaign_id),
            "service_date": booking.service_date.isoformat(),
        }
    if reason:
        data["reason"] = reason
    if recorded_at is not None:
        data["recorded_at"] = recorded_at.isoformat()
    record_event(
        session,
        kind=EVENT_KINDS[to_status],
        actor=actor,
        at=now,
        booking_id=visit.booking_id,
        plan_id=visit.plan_id,
        van_id=visit.van_id,
        from_status=from_status.value,
        to_status=to_status.value,
        data=data,
    )


def _update_booking(
    session: Session, booking: Booking, to_status: VisitStatus, actor: str, now: datetime, reason: str | None
) -> None:
    if booking.status != BookingStatus.BOOKED:
        return  # an agent recorded the outcome already
    assert booking.id is not None
    if to_status is VisitStatus.COMPLETED:
        mark_served(session=session, booking_id=booking.id, actor=actor, now=now)
    elif to_status is VisitStatus.SKIPPED:
        _mark_missed(session, booking, actor, now, reason)


def _mark_missed(session: Session, booking: Booking, actor: str, now: datetime, reason: str | None) -> None:
    """booked -> no_show; the owner may book another day (their open-booking key is released)."""
    result = session.execute(
        update(Booking)
        .where(col(Booking.id) == booking.id, col(Booking.status) == BookingStatus.BOOKED)
        .values(
            status=BookingStatus.NO_SHOW,
            open_owner_key=None,
            updated_at=now,
            version=col(Booking.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    if affected_rows(result) != 1:
        return  # an agent closed it meanwhile
    record_event(
        session,
        kind="booking.no_show",
        actor=actor,
        at=now,
        booking_id=booking.id,
        from_status=BookingStatus.BOOKED,
        to_status=BookingStatus.NO_SHOW,
        data={
            "reference": booking.reference,
            "campaign_id": str(booking.campaign_id),
            "reason": reason or "",
        },
    )


def _illegal(
    visit: PlanVisit, booking: Booking | None, from_status: VisitStatus, to_status: VisitStatus
) -> IllegalTransition:
    name = booking.reference if booking is not None else f"#{visit.sequence}"
    return IllegalTransition(
        f"上门服务 {name} 当前为{STATUS_WORDS[from_status]}，不能改为{STATUS_WORDS[to_status]} / "
        f"Visit {name} is {from_status.value} and cannot become {to_status.value}",
        details={
            "visit_id": visit.id,
            "current_status": from_status.value,
            "requested_status": to_status.value,
            "allowed": allowed_next(from_status),
        },
    )
