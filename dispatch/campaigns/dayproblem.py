"""One service day as a routing problem: bookings become visits, campaign vans become vehicles.

Routing times are seconds since local midnight of the service day (campaign days, shifts and windows are
wall-clock times in China); everything stored is aware UTC. Visit ids are booking ids, vehicle ids van ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.campaigns.models import (
    Booking,
    BookingStatus,
    Campaign,
    CampaignDay,
    CampaignVan,
    PlanStatus,
    PlanVisit,
    RoutePlan,
    VisitStatus,
)
from dispatch.campaigns.service import campaign_vans, crew_skills, lunch_bounds
from dispatch.errors import InvalidInput
from dispatch.fleet.models import ServiceStation
from dispatch.settings import Settings
from dispatch.travel_times import travel_provider
from routing.geodesy import Location
from routing.problem import (
    LunchBreak,
    PlanningConstraints,
    RoutingProblem,
    TimeWindow,
    Vehicle,
    Visit,
    build_problem,
)

SERVICE_TZ = ZoneInfo("Asia/Shanghai")
ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.SERVED)
LOCKED_VISITS = (VisitStatus.COMPLETED, VisitStatus.IN_PROGRESS)
REASSIGNMENT_PENALTY_S = 900.0
"""Moving a booking to another van after publication costs as much as 15 minutes of driving."""


@dataclass(frozen=True)
class ServiceDay:
    """A campaign day with its depot, vehicles and clock origin."""

    campaign: Campaign
    day: CampaignDay
    origin: datetime
    depot: Location
    vehicles: tuple[Vehicle, ...]
    plates: dict[int, str]

    @property
    def service_date(self) -> date:
        return self.day.service_date

    def at(self, seconds: float) -> datetime:
        """The aware UTC moment ``seconds`` after local midnight."""
        return (self.origin + timedelta(seconds=round(seconds))).astimezone(self.origin.tzinfo)

    def seconds(self, moment: datetime) -> float:
        return (moment - self.origin).total_seconds()

    def offered_windows(self, window_minutes: int) -> list[tuple[datetime, datetime]]:
        """Back-to-back arrival windows from the earliest shift start to the latest shift end."""
        first = min(v.shift.start_s for v in self.vehicles)
        last = max(v.shift.end_s for v in self.vehicles)
        step = window_minutes * 60
        windows = []
        start = first
        while start < last:
            windows.append((self.at(start), self.at(min(start + step, last))))
            start += step
        return windows


def local_midnight(service_date: date) -> datetime:
    return datetime.combine(service_date, time(0), tzinfo=SERVICE_TZ).astimezone(ZoneInfo("UTC"))


def local_today(now: datetime) -> date:
    return now.astimezone(SERVICE_TZ).date()


def campaign_day(session: Session, campaign: Campaign, service_date: date) -> CampaignDay:
    """The campaign's service day on that date, or a 422 naming ``service_date``."""
    day = session.exec(
        select(CampaignDay).where(
            CampaignDay.campaign_id == campaign.id, CampaignDay.service_date == service_date
        )
    ).first()
    if day is None:
        raise InvalidInput(
            f"{service_date} 不是本活动的服务日（{campaign.start_date} 至 {campaign.end_date}）"
            f" / {service_date} is not a service day of this campaign",
            field="service_date",
        )
    return day


def load_service_day(session: Session, campaign: Campaign, service_date: date) -> ServiceDay:
    day = campaign_day(session, campaign, service_date)
    station = session.get(ServiceStation, campaign.host_station_id)
    assert station is not None  # a foreign key
    depot = Location(station.lat, station.lon)
    vehicles, plates = [], {}
    for assignment, van, crew in campaign_vans(session, campaign.id):
        if van.retired_at is not None:  # retired after the campaign was set up: never planned
            continue
        vehicles.append(_vehicle(assignment, str(van.id), depot, crew_skills(van, crew)))
        plates[van.id or 0] = van.plate
    return ServiceDay(campaign, day, local_midnight(service_date), depot, tuple(vehicles), plates)


def _seconds(moment: time) -> float:
    return moment.hour * 3600.0 + moment.minute * 60.0 + moment.second


def _vehicle(assignment: CampaignVan, vehicle_id: str, depot: Location, skills: frozenset[str]) -> Vehicle:
    lunch = None
    if assignment.lunch_minutes:
        earliest, latest = lunch_bounds(assignment.lunch_start, assignment.lunch_end)
        duration_s = assignment.lunch_minutes * 60.0
        lunch = LunchBreak(_seconds(earliest), _seconds(latest) - duration_s, duration_s)
    shift = TimeWindow(_seconds(assignment.shift_start), _seconds(assignment.shift_end))
    return Vehicle(id=vehicle_id, start=depot, end=depot, shift=shift, skills=skills, lunch=lunch)


def service_skills(campaign: Campaign, service_code: str) -> frozenset[str]:
    offer = next((s for s in campaign.services if s["code"] == service_code), None)
    return frozenset(offer.get("skills", [])) if offer else frozenset()


def booking_visit(booking: Booking, service_day: ServiceDay) -> Visit:
    window = TimeWindow(service_day.seconds(booking.window_start), service_day.seconds(booking.window_end))
    return Visit(
        id=str(booking.id),
        location=Location(booking.lat, booking.lon),
        service_s=booking.duration_min * 60.0,
        windows=(window,),
        required_skills=service_skills(service_day.campaign, booking.service_code),
    )


def day_bookings(session: Session, campaign_id: uuid.UUID, service_date: date) -> list[Booking]:
    """The day's active bookings in a stable order (so the same bookings always give the same problem)."""
    query = (
        select(Booking)
        .where(
            Booking.campaign_id == campaign_id,
            Booking.service_date == service_date,
            col(Booking.status).in_(ACTIVE_STATUSES),
        )
        .order_by(col(Booking.created_at), col(Booking.id))
        .execution_options(populate_existing=True)
    )
    return list(session.exec(query))


def day_problem(service_day: ServiceDay, visits: Sequence[Visit], settings: Settings) -> RoutingProblem:
    return build_problem(visits, service_day.vehicles, travel_provider(settings))


@dataclass(frozen=True)
class PublishedBaseline:
    """What a re-plan must respect: the published plan's order, locks and van assignments."""

    plan: RoutePlan | None
    constraints: PlanningConstraints
    initial_routes: list[list[str]] | None


def latest_plan_routes(
    session: Session, service_day: ServiceDay, visit_ids: set[str]
) -> list[list[str]] | None:
    """The newest stored plan's order for the day (draft or published), restricted to ``visit_ids``.

    The booking check starts from these routes: a plan the day planner found serves the day's bookings,
    and a cheap descent rarely rediscovers one as good on a full day.
    """
    plan_id = session.exec(
        select(RoutePlan.id)
        .where(
            RoutePlan.campaign_id == service_day.campaign.id,
            RoutePlan.service_date == service_day.service_date,
        )
        .order_by(col(RoutePlan.version).desc())
    ).first()
    if plan_id is None:
        return None
    routes: dict[str, list[str]] = {v.id: [] for v in service_day.vehicles}
    for visit in _plan_visits_in_order(session, plan_id):
        visit_id, van_id = str(visit.booking_id), str(visit.van_id)
        if visit.booking_id is not None and visit_id in visit_ids and van_id in routes:
            routes[van_id].append(visit_id)
    return [routes[v.id] for v in service_day.vehicles]


def _plan_visits_in_order(session: Session, plan_id: uuid.UUID) -> Sequence[PlanVisit]:
    return session.exec(
        select(PlanVisit)
        .where(PlanVisit.plan_id == plan_id)
        .order_by(col(PlanVisit.van_id), col(PlanVisit.sequence))
    ).all()


def published_plan(session: Session, campaign_id: uuid.UUID, service_date: date) -> RoutePlan | None:
    return session.exec(
        select(RoutePlan).where(
            RoutePlan.campaign_id == campaign_id,
            RoutePlan.service_date == service_date,
            RoutePlan.status == PlanStatus.PUBLISHED,
        )
    ).first()


def published_baseline(session: Session, service_day: ServiceDay, visit_ids: set[str]) -> PublishedBaseline:
    """Locks (done and in-progress visits stay first, in order) and preferences from the published plan."""
    plan = published_plan(session, service_day.campaign.id, service_day.service_date)
    if plan is None:
        return PublishedBaseline(None, PlanningConstraints(), None)
    visits = _plan_visits_in_order(session, plan.id)
    routes: dict[str, list[str]] = {v.id: [] for v in service_day.vehicles}
    locked: dict[str, list[str]] = {}
    previous: dict[str, str] = {}
    for visit in visits:
        visit_id, van_id = str(visit.booking_id), str(visit.van_id)
        if visit.booking_id is None or visit_id not in visit_ids or van_id not in routes:
            continue
        routes[van_id].append(visit_id)
        previous[visit_id] = van_id
        if visit.status in LOCKED_VISITS:
            locked.setdefault(van_id, []).append(visit_id)
    constraints = PlanningConstraints(
        locked_prefix={van: tuple(ids) for van, ids in locked.items()},
        previous_vehicle=previous,
        reassignment_penalty_s=REASSIGNMENT_PENALTY_S,
    )
    return PublishedBaseline(plan, constraints, [routes[v.id] for v in service_day.vehicles])
