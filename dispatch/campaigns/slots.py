"""Whether a booking fits a service day, and reserving it there without races.

Feasibility is checked against the day's actual routing problem, not a count of slots: the day's bookings plus
the tentative one are solved quickly (cheapest insertion, then greedy descent to the first local optimum;
tens of milliseconds for a day of 30 visits), starting from the day's newest stored plan when there is one and
respecting the published plan's locked visits, and only if that
fails by the day planner itself (:func:`routing.feasibility.can_serve_all`), so that a window the day plan
could serve is not turned away. A window is offered only if every booking of the day, and the new one, is
then served inside its window.

Reserving bumps the day's version with a conditional UPDATE (``... WHERE version = :seen``). Two agents racing
for the last feasible window both check against the same version; the database lets exactly one UPDATE
through. The other re-reads the day, checks again against the winner's booking, and gets ``SlotTaken``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from dispatch.campaigns.dayproblem import (
    PublishedBaseline,
    ServiceDay,
    booking_visit,
    day_bookings,
    day_problem,
    latest_plan_routes,
    published_baseline,
)
from dispatch.campaigns.models import CampaignDay
from dispatch.errors import DayFull, SlotTaken
from dispatch.settings import Settings
from routing.feasibility import can_serve_all, day_routes
from routing.problem import Visit

MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class DayState:
    version: int
    booked_count: int


def read_day(session: Session, day_id: int) -> DayState:
    """The committed version and count, read fresh (never from the session's identity map)."""
    version, booked_count = session.exec(
        select(CampaignDay.version, CampaignDay.booked_count).where(CampaignDay.id == day_id)
    ).one()
    return DayState(int(version), int(booked_count))


def bump_day(session: Session, day_id: int, seen_version: int, booked_delta: int) -> bool:
    """Move the day to the next version if nobody else did since ``seen_version``; True if we won."""
    statement = (
        update(CampaignDay)
        .where(col(CampaignDay.id) == day_id, col(CampaignDay.version) == seen_version)
        .values(version=CampaignDay.version + 1, booked_count=CampaignDay.booked_count + booked_delta)
        .execution_options(synchronize_session="fetch")
    )
    return session.exec(statement).rowcount == 1


def release_day(session: Session, day_id: int) -> None:
    """A booking leaves the day (cancelled or moved): never refused, but still serialised by the version."""
    while not bump_day(session, day_id, read_day(session, day_id).version, -1):
        pass


@dataclass(frozen=True)
class DayRoutes:
    """The day's bookings as visits, and van routes that serve them all (when one was found)."""

    visits: list[Visit]
    routes: list[list[str]] | None
    baseline: PublishedBaseline


def current_routes(
    session: Session, settings: Settings, service_day: ServiceDay, *, exclude: uuid.UUID | None = None
) -> DayRoutes:
    """Routes for the day's bookings (less ``exclude``): a quick solve, or a longer one if that drops any."""
    bookings = day_bookings(session, service_day.campaign.id, service_day.service_date)
    visits = [booking_visit(b, service_day) for b in bookings if b.id != exclude]
    baseline = published_baseline(session, service_day, {v.id for v in visits})
    if not visits:
        return DayRoutes(visits, None, baseline)
    problem = day_problem(service_day, visits, settings)
    routes = day_routes(
        problem,
        time_limit_s=settings.booking_check_time_limit_s,
        constraints=baseline.constraints,
        initial_routes=latest_plan_routes(session, service_day, {v.id for v in visits}),
    )
    return DayRoutes(visits, routes, baseline)


def fits(settings: Settings, service_day: ServiceDay, day: DayRoutes, candidate: Visit) -> bool:
    """Whether the day's bookings plus ``candidate`` can all be served inside their windows.

    First from the day's current routes (the local search tries inserting the new visit everywhere), then
    from scratch, then with the day planner's own search.
    """
    problem = day_problem(service_day, [*day.visits, candidate], settings)
    return can_serve_all(
        problem,
        time_limit_s=settings.booking_check_time_limit_s,
        current_routes=day.routes,
        constraints=day.baseline.constraints,
    )


def reserve(
    session: Session,
    settings: Settings,
    service_day: ServiceDay,
    candidate: Visit,
    *,
    exclude: uuid.UUID | None = None,
    counts_against_capacity: bool = True,
) -> None:
    """Check and claim a place for ``candidate`` on the day, or raise ``DayFull`` / ``SlotTaken``."""
    day_id = service_day.day.id or 0
    capacity = service_day.campaign.daily_capacity
    for _ in range(MAX_ATTEMPTS):
        state = read_day(session, day_id)
        if counts_against_capacity and state.booked_count >= capacity:
            raise DayFull(
                f"{service_day.service_date} 已约满（每日 {capacity} 个）"
                f" / {service_day.service_date} is fully booked",
                field="service_date",
                details={"service_date": service_day.service_date.isoformat(), "daily_capacity": capacity},
            )
        if not fits(
            settings, service_day, current_routes(session, settings, service_day, exclude=exclude), candidate
        ):
            raise SlotTaken(
                "该时段已无法安排，请选择其他时段 / This arrival window can no longer be fitted",
                field="window_start",
                details={"service_date": service_day.service_date.isoformat()},
            )
        if bump_day(session, day_id, state.version, 1 if counts_against_capacity else 0):
            return
    raise SlotTaken(
        "该服务日正被频繁预约，请重试 / The day is being booked by others right now; try again",
        field="window_start",
    )
