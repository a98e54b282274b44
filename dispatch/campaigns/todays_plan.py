"""A van's stops for one service day, read from the published route plan.

The campaign planners write `RoutePlan` and `PlanVisit` rows; a technician's tablet reads the plan that is
``published`` for the day and moves each stop along by its ``visit_id`` (`dispatch.campaigns.visits`).
Stops without a booking (e.g. a gathering point visit) come back with the booking fields empty.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.campaigns.models import Booking, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.campaigns.visits import allowed_next


@dataclass(frozen=True)
class PlannedStop:
    visit_id: int
    booking_id: uuid.UUID | None
    sequence: int
    booking_reference: str | None
    owner_name: str | None
    phone: str | None
    address: str | None
    lat: float | None
    lon: float | None
    service_code: str | None
    window_start: datetime | None
    window_end: datetime | None
    planned_arrival_at: datetime
    planned_start_at: datetime
    planned_departure_at: datetime
    status: str
    allowed_next: list[str]


@dataclass(frozen=True)
class PlannedLunch:
    start_at: datetime
    minutes: int | None  # None: a plan stored before plans recorded the break's length


def service_date_at(now: datetime, timezone: str = "Asia/Shanghai") -> date:
    """The local service day a moment belongs to (days start at local midnight, not UTC midnight)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def todays_visits(*, session: Session, van_id: int, service_date: date) -> list[PlannedStop]:
    """The van's visits on `service_date`, in order, from every published plan of that day."""
    published = select(RoutePlan.id).where(
        RoutePlan.service_date == service_date, RoutePlan.status == PlanStatus.PUBLISHED.value
    )
    rows = session.exec(
        select(PlanVisit, Booking)
        .join(Booking, col(Booking.id) == col(PlanVisit.booking_id), isouter=True)
        .where(col(PlanVisit.plan_id).in_(published), PlanVisit.van_id == van_id)
        .order_by(col(PlanVisit.arrival_at), col(PlanVisit.sequence))
    ).all()
    return [_stop(visit, booking) for visit, booking in rows]


def todays_lunch(*, session: Session, van_id: int, service_date: date) -> PlannedLunch | None:
    """When the newest published plan of the day that routes the van puts its lunch break, if it does.

    The plan may put lunch while the van waits at a stop for its window, so it is not implied by the
    stops; the plan stores it per van (``changes["vans"]``).
    """
    plans = session.exec(
        select(RoutePlan)
        .where(RoutePlan.service_date == service_date, RoutePlan.status == PlanStatus.PUBLISHED.value)
        .order_by(col(RoutePlan.published_at).desc().nulls_last(), col(RoutePlan.version).desc())
    )
    for plan in plans:
        for van in plan.changes.get("vans", []):
            if van.get("van_id") == van_id and van.get("lunch_start_at"):
                return PlannedLunch(datetime.fromisoformat(van["lunch_start_at"]), van.get("lunch_minutes"))
    return None


def _stop(visit: PlanVisit, booking: Booking | None) -> PlannedStop:
    assert visit.id is not None
    return PlannedStop(
        visit_id=visit.id,
        booking_id=visit.booking_id,
        sequence=visit.sequence,
        booking_reference=booking.reference if booking else None,
        owner_name=booking.owner_name if booking else None,
        phone=booking.phone if booking else None,
        address=booking.address if booking else None,
        lat=booking.lat if booking else None,
        lon=booking.lon if booking else None,
        service_code=booking.service_code if booking else None,
        window_start=booking.window_start if booking else None,
        window_end=booking.window_end if booking else None,
        planned_arrival_at=visit.arrival_at,
        planned_start_at=visit.start_at,
        planned_departure_at=visit.departure_at,
        status=str(VisitStatus(visit.status).value),
        allowed_next=allowed_next(visit.status),
    )
