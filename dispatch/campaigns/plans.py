"""Day plans: solve a service day's bookings into van routes, store them, publish them, re-plan.

A plan is built as a draft; publishing it makes it the technicians' plan for the day (the previous published
plan is superseded) and gives each owner a planned arrival. Building a plan while one is published is a
re-plan: visits already completed or under way stay locked at the head of their van's route, the search
starts from the published order, moving a booking to another van costs extra, and ``changes`` says what moved.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from dispatch.campaigns.dayproblem import (
    ServiceDay,
    booking_visit,
    day_bookings,
    day_problem,
    load_service_day,
    published_baseline,
    published_plan,
)
from dispatch.campaigns.models import Booking, Campaign, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.campaigns.plan_diff import diff_plans, visit_times
from dispatch.campaigns.slots import bump_day, read_day
from dispatch.campaigns.visits import carry_marked_visits
from dispatch.db import insert_renewing
from dispatch.errors import Conflict, IllegalTransition, NotFound
from dispatch.events.service import record_event
from dispatch.settings import Settings
from dispatch.travel_times import matrix_eta_kind
from routing.objective import Objective
from routing.plan import DropReason, Plan, Route
from routing.problem import RoutingProblem
from routing.solver import solve
from routing.validate import validate

log = logging.getLogger(__name__)

PLAN_VERSION_ATTEMPTS = 5

DROP_MESSAGES = {
    DropReason.NO_SKILLED_VEHICLE: "没有具备所需技能的服务车 / No van has the skills this service needs",
    DropReason.OVER_CAPACITY: "服务车装载不足 / No van can carry what this visit needs",
    DropReason.WINDOW_UNREACHABLE: (
        "服务车无法在预约时段内到达并按时收班"
        " / No van can reach it within the booked window and finish its shift"
    ),
    DropReason.NOT_FITTED: (
        "当天时间不足以与其他预约一起安排 / Not enough time in the day alongside the other bookings"
    ),
    DropReason.CANCELLED: "预约已取消 / Booking cancelled",
}


def planner_objective(*, max_vans: int | None = None, max_overtime_minutes: int = 0) -> Objective:
    """What the planner asked for, in the day planner's terms (see :class:`routing.objective.Objective`)."""
    return Objective(max_vehicles=max_vans, max_overtime_s=60.0 * max_overtime_minutes)


def build_day_plan(
    *,
    session: Session,
    settings: Settings,
    campaign: Campaign,
    service_date: date,
    actor: str,
    now: datetime,
    time_limit_s: float | None = None,
    objective: Objective | None = None,
) -> RoutePlan:
    """Solve the day's current bookings and store the result as a new draft plan version.

    ``objective`` is the planner's ask for this version (a limit on vans, some overtime); the default
    serves as many bookings as possible with the least driving, inside the vans' shifts.
    """
    objective = objective or Objective()
    service_day = load_service_day(session, campaign, service_date)
    day_version = read_day(session, service_day.day.id or 0).version  # before the bookings: never newer
    bookings = {str(b.id): b for b in day_bookings(session, campaign.id, service_date)}
    visits = [booking_visit(b, service_day) for b in bookings.values()]
    baseline = published_baseline(session, service_day, set(bookings))
    problem = day_problem(service_day, visits, settings)
    solved = solve(
        problem,
        time_limit_s or settings.day_plan_time_limit_s,
        constraints=baseline.constraints,
        initial_routes=baseline.initial_routes,
        objective=objective,
    )
    violations = validate(problem, solved, allowed_overtime_s=objective.max_overtime_s)
    if violations:
        log.error("day plan for %s %s breaks its rules: %s", campaign.reference, service_date, violations[:5])
    plan = _store(session, service_day, problem, solved, bookings, actor, now)
    plan.changes = {
        "day_version": day_version,
        "vans": [_van_summary(service_day, route) for route in solved.routes],
        "violations": [vars(v) for v in violations],
        "search": {"stop_reason": solved.stop_reason.value, "seed": solved.seed},
        "objective": {
            "max_vans": objective.max_vehicles,
            "max_overtime_minutes": round(objective.max_overtime_s / 60),
        },
    }
    if baseline.plan is not None:
        before = visit_times(session, baseline.plan.id)
        known = bookings | _bookings_by_id(session, set(before) - set(bookings))
        # A new dict, not `|=`: the query above autoflushed `changes`, and an in-place change of the
        # flushed dict would look unchanged to SQLAlchemy and never be stored.
        diff = diff_plans(before, visit_times(session, plan.id), known, set(bookings), baseline.plan.dropped)
        plan.changes = plan.changes | diff
        carry_marked_visits(session=session, old_plan_id=baseline.plan.id, new_plan_id=plan.id)
        record_event(
            session,
            kind="plan.replanned",
            actor=actor,
            at=now,
            plan_id=plan.id,
            data=_plan_event_data(campaign, plan) | {"replaces": str(baseline.plan.id)},
        )
    session.add(plan)
    session.flush()
    return plan


def _bookings_by_id(session: Session, booking_ids: set[str]) -> dict[str, Booking]:
    ids = [uuid.UUID(b) for b in booking_ids]
    return {str(b.id): b for b in session.exec(select(Booking).where(col(Booking.id).in_(ids)))}


def _store(
    session: Session,
    service_day: ServiceDay,
    problem: RoutingProblem,
    solved: Plan,
    bookings: dict[str, Booking],
    actor: str,
    now: datetime,
) -> RoutePlan:
    campaign_id, service_date = service_day.campaign.id, service_day.service_date
    plan = RoutePlan(
        campaign_id=campaign_id,
        service_date=service_date,
        version=0,  # numbered on insert
        status=PlanStatus.DRAFT,
        solver_status=solved.status,
        solve_time_s=round(solved.wall_time_s, 3),
        total_km=round(solved.distance_km, 2),
        total_travel_s=round(solved.travel_h * 3600),
        total_wait_s=round(solved.waiting_h * 3600),
        eta_kind=matrix_eta_kind(problem.matrix).value,
        dropped=[
            {
                "booking_id": d.visit_id,
                "booking_reference": bookings[d.visit_id].reference,
                "reason": d.reason.value,
                "message": DROP_MESSAGES.get(d.reason, d.reason.value),
            }
            for d in solved.dropped
        ],
        created_by=actor,
        created_at=now,
    )
    _insert_next_version(session, plan)
    for route in solved.routes:
        session.add_all(_plan_visits(plan.id, service_day, problem, route))
    session.flush()
    return plan


def _insert_next_version(session: Session, plan: RoutePlan) -> None:
    """Insert `plan` as the day's next version.

    Two planners can finish solving the same day at the same moment; the unique (campaign, date, version)
    constraint lets one of them have the number, and the other, after a clash, takes the next one, so
    both drafts are kept and neither gets an error.
    """

    def number() -> None:
        plan.version = _latest_version(session, plan.campaign_id, plan.service_date) + 1

    def version_taken() -> bool:
        holder = session.exec(
            select(RoutePlan.id).where(
                RoutePlan.campaign_id == plan.campaign_id,
                RoutePlan.service_date == plan.service_date,
                RoutePlan.version == plan.version,
            )
        ).first()
        return holder is not None

    number()
    if not insert_renewing(
        session, plan, clash_is_ours=version_taken, renew=number, attempts=PLAN_VERSION_ATTEMPTS
    ):
        raise Conflict(
            "该服务日的路线正在被其他人同时生成，请稍后重试 / "
            "Others are building this day's plan right now; try again in a moment"
        )


def _latest_version(session: Session, campaign_id: uuid.UUID, service_date: date) -> int:
    latest = session.exec(
        select(func.max(RoutePlan.version)).where(
            RoutePlan.campaign_id == campaign_id, RoutePlan.service_date == service_date
        )
    ).one()
    return int(latest or 0)


def _plan_visits(
    plan_id: uuid.UUID, service_day: ServiceDay, problem: RoutingProblem, route: Route
) -> list[PlanVisit]:
    rows = []
    place = problem.vehicle_by_id[route.vehicle_id].start
    for sequence, stop in enumerate(route.stops, start=1):
        visit = problem.visit_by_id[stop.visit_id]
        rows.append(
            PlanVisit(
                plan_id=plan_id,
                van_id=int(route.vehicle_id),
                sequence=sequence,
                booking_id=uuid.UUID(stop.visit_id),
                arrival_at=service_day.at(stop.arrival_s),
                start_at=service_day.at(stop.service_start_s),
                departure_at=service_day.at(stop.departure_s),
                wait_s=round(stop.waiting_s),
                travel_km=round(problem.distance_km(place, visit.location), 2),
            )
        )
        place = visit.location
    return rows


def _van_summary(service_day: ServiceDay, route: Route) -> dict[str, Any]:
    used = bool(route.stops)
    return {
        "van_id": int(route.vehicle_id),
        "plate": service_day.plates.get(int(route.vehicle_id), ""),
        "stops": len(route.stops),
        "start_at": service_day.at(route.start_s).isoformat() if used else None,
        "end_at": service_day.at(route.end_s).isoformat() if used else None,
        "distance_km": round(route.distance_km, 2),
        "travel_s": round(route.travel_s),
        "waiting_s": round(route.waiting_s),
        "overtime_s": round(route.overtime_s),
        "work_s": round(route.end_s - route.start_s) if used else 0,
        "lunch_start_at": service_day.at(route.lunch.start_s).isoformat() if used and route.lunch else None,
        "lunch_minutes": round(route.lunch.duration_s / 60) if used and route.lunch else None,
    }


def get_plan(*, session: Session, plan_id: uuid.UUID) -> RoutePlan:
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"未找到路线计划 {plan_id} / Plan not found")
    return plan


def list_plans(*, session: Session, campaign_id: uuid.UUID, service_date: date) -> list[RoutePlan]:
    query = select(RoutePlan).where(
        RoutePlan.campaign_id == campaign_id, RoutePlan.service_date == service_date
    )
    return list(session.exec(query.order_by(col(RoutePlan.version))))


def publish_plan(
    *, session: Session, campaign: Campaign, plan: RoutePlan, actor: str, now: datetime
) -> RoutePlan:
    """Make a draft the day's plan: supersede the old one, give owners their planned arrival, tell streams."""
    if plan.status != PlanStatus.DRAFT:
        raise IllegalTransition(
            f"只能发布草稿计划（当前：{plan.status}）/ Only a draft plan can be published",
            details={"status": plan.status},
        )
    violations = plan.changes.get("violations") or []
    if violations:
        raise Conflict(
            f"计划未通过校验（{len(violations)} 处违规），不能发布，请重新规划 / "
            f"The plan breaks {len(violations)} of the day's rules and cannot be published; re-plan the day",
            details={"plan_id": str(plan.id), "violations": violations[:20]},
        )
    service_day = load_service_day(session, campaign, plan.service_date)
    # Serialise publishing with booking changes: the plan must describe the bookings as they are now.
    if not bump_day(session, service_day.day.id or 0, int(plan.changes.get("day_version", -1)), 0):
        raise Conflict(
            "计划生成后预约已变化，请重新规划 / Bookings changed since this plan was built; re-plan the day",
            details={"plan_id": str(plan.id)},
        )
    previous = published_plan(session, plan.campaign_id, plan.service_date)
    session.exec(
        update(RoutePlan)
        .where(
            col(RoutePlan.campaign_id) == plan.campaign_id,
            col(RoutePlan.service_date) == plan.service_date,
            col(RoutePlan.status) == PlanStatus.PUBLISHED,
        )
        .values(status=PlanStatus.SUPERSEDED)
        .execution_options(synchronize_session="fetch")
    )
    if previous is not None:
        _keep_crew_progress(session, previous, plan)
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = now
    session.add(plan)
    _set_planned_arrivals(session, plan, actor, now)
    record_event(
        session,
        kind="plan.published",
        actor=actor,
        at=now,
        plan_id=plan.id,
        data=_plan_event_data(campaign, plan),
    )
    session.flush()
    return plan


def _keep_crew_progress(session: Session, previous: RoutePlan, plan: RoutePlan) -> None:
    """Visits the crew started, finished or skipped since `plan` was built keep that on it.

    Runs after the old plan's row is updated (locked): a crew's change in flight has committed by then.
    """
    clashes = carry_marked_visits(session=session, old_plan_id=previous.id, new_plan_id=plan.id)
    if clashes:
        raise Conflict(
            f"计划生成后有 {len(clashes)} 个已开始或完成的上门服务被分给了其他服务车，请重新规划 / "
            f"{len(clashes)} visit(s) started or finished since this plan was built are on another van "
            "in it; re-plan the day",
            details={"plan_id": str(plan.id), "visits": clashes},
        )


def _set_planned_arrivals(session: Session, plan: RoutePlan, actor: str, now: datetime) -> None:
    starts = {v.booking_id: v for v in session.exec(select(PlanVisit).where(PlanVisit.plan_id == plan.id))}
    for booking in day_bookings(session, plan.campaign_id, plan.service_date):
        visit = starts.get(booking.id)
        planned = visit.start_at if visit is not None and visit.status != VisitStatus.SKIPPED else None
        if planned == booking.planned_arrival_at:
            continue
        booking.planned_arrival_at = planned
        session.add(booking)
        record_event(
            session,
            kind="booking.arrival_planned",
            actor=actor,
            at=now,
            booking_id=booking.id,
            plan_id=plan.id,
            van_id=visit.van_id if visit is not None else None,
            data={
                "reference": booking.reference,
                "planned_arrival_at": planned.isoformat() if planned else None,
            },
        )


def _plan_event_data(campaign: Campaign, plan: RoutePlan) -> dict[str, Any]:
    changes = plan.changes
    return {
        "campaign_id": str(campaign.id),
        "campaign_reference": campaign.reference,
        "service_date": plan.service_date.isoformat(),
        "version": plan.version,
        "total_km": plan.total_km,
        "dropped": len(plan.dropped),
        "vans": [
            {k: v[k] for k in ("van_id", "plate", "stops", "start_at", "end_at")}
            for v in changes.get("vans", [])
        ],
        "moved": len(changes.get("moved", [])),
        "retimed": len(changes.get("retimed", [])),
    }
