"""Shaping bookings and plans for the API (what planners, agents and owners see)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from dispatch.campaigns.booking_rules import window_label
from dispatch.campaigns.models import Booking, PlanVisit, RoutePlan
from dispatch.campaigns.schemas import (
    ArrivalWindow,
    BookingCreated,
    BookingRead,
    DroppedBookingRead,
    PlanRead,
    PlanVisitRead,
    VanRouteRead,
)
from dispatch.fleet.crews import VanSummary, van_summaries
from dispatch.owners.models import Vehicle
from dispatch.tracking.models import TrackingLink


def owner_arrival_window(booking: Booking, minutes: int) -> ArrivalWindow | None:
    """Once a plan is published: ``minutes`` around the planned start, kept inside the booked window."""
    if booking.planned_arrival_at is None:
        return None
    half = timedelta(minutes=minutes / 2)
    start = max(booking.window_start, booking.planned_arrival_at - half)
    end = min(booking.window_end, booking.planned_arrival_at + half)
    return ArrivalWindow(start=start, end=end, label=window_label(start, end))


def booking_read(booking: Booking, arrival_window_minutes: int) -> BookingRead:
    return BookingRead(
        id=booking.id,
        reference=booking.reference,
        campaign_id=booking.campaign_id,
        status=booking.status,
        service_date=booking.service_date,
        service_code=booking.service_code,
        duration_min=booking.duration_min,
        owner_id=booking.owner_id,
        vehicle_id=booking.vehicle_id,
        owner_name=booking.owner_name,
        phone=booking.phone,
        lat=booking.lat,
        lon=booking.lon,
        address=booking.address,
        gathering_point=booking.gathering_point,
        window=ArrivalWindow(
            start=booking.window_start,
            end=booking.window_end,
            label=window_label(booking.window_start, booking.window_end),
        ),
        planned_arrival_at=booking.planned_arrival_at,
        arrival_window=owner_arrival_window(booking, arrival_window_minutes),
        created_by=booking.created_by,
        created_at=booking.created_at,
    )


def booking_created(
    booking: Booking, link: TrackingLink, *, base_url: str, window_minutes: int
) -> BookingCreated:
    read = booking_read(booking, window_minutes)
    url = f"{base_url.rstrip('/')}/api/track/{link.token}"
    return BookingCreated(**read.model_dump(), tracking_token=link.token, tracking_url=url)


def plan_read(session: Session, plan: RoutePlan) -> PlanRead:
    visits = list(
        session.exec(
            select(PlanVisit)
            .where(PlanVisit.plan_id == plan.id)
            .order_by(col(PlanVisit.van_id), col(PlanVisit.sequence))
        )
    )
    bookings = _bookings(session, [v.booking_id for v in visits if v.booking_id is not None])
    plates = _vehicle_plates(session, [b.vehicle_id for b in bookings.values()])
    summaries = plan.changes.get("vans", [])
    crews = van_summaries(session, [int(str(s["van_id"])) for s in summaries])
    vans = [_van_route(summary, visits, bookings, plates, crews) for summary in summaries]
    return PlanRead(
        id=plan.id,
        campaign_id=plan.campaign_id,
        service_date=plan.service_date,
        version=plan.version,
        status=plan.status,
        solver_status=plan.solver_status,
        solve_time_s=plan.solve_time_s,
        total_km=plan.total_km,
        total_travel_h=round(plan.total_travel_s / 3600, 2),
        total_wait_h=round(plan.total_wait_s / 3600, 2),
        served=len(visits),
        dropped=[DroppedBookingRead(**d) for d in plan.dropped],
        changes={k: v for k, v in plan.changes.items() if k != "vans"},
        vans=vans,
        eta_kind=plan.eta_kind,
        created_by=plan.created_by,
        created_at=plan.created_at,
        published_at=plan.published_at,
    )


def _bookings(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Booking]:
    if not ids:
        return {}
    return {b.id: b for b in session.exec(select(Booking).where(col(Booking.id).in_(ids)))}


def _vehicle_plates(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {v.id: v.plate for v in session.exec(select(Vehicle).where(col(Vehicle.id).in_(wanted))) if v.id}


def _van_route(
    summary: dict[str, object],
    visits: list[PlanVisit],
    bookings: dict[uuid.UUID, Booking],
    plates: dict[int, str],
    crews: dict[int, VanSummary],
) -> VanRouteRead:
    van_id = summary["van_id"]
    rows = []
    for visit in (v for v in visits if v.van_id == van_id):
        booking = bookings.get(visit.booking_id) if visit.booking_id else None
        rows.append(
            PlanVisitRead(
                sequence=visit.sequence,
                booking_id=visit.booking_id,
                booking_reference=booking.reference if booking else None,
                owner_name=booking.owner_name if booking else None,
                phone=booking.phone if booking else None,
                address=booking.address if booking else None,
                vehicle_plate=plates.get(booking.vehicle_id) if booking and booking.vehicle_id else None,
                status=visit.status,
                arrival_at=visit.arrival_at,
                start_at=visit.start_at,
                departure_at=visit.departure_at,
                wait_s=visit.wait_s,
                travel_km=visit.travel_km,
                window_start=booking.window_start if booking else None,
                window_end=booking.window_end if booking else None,
            )
        )
    return VanRouteRead(
        van_id=int(str(van_id)),
        plate=str(summary["plate"]),
        crew=crew.crew if (crew := crews.get(int(str(van_id)))) is not None else [],
        start_at=_when(summary["start_at"]),
        end_at=_when(summary["end_at"]),
        distance_km=float(str(summary["distance_km"])),
        travel_h=round(float(str(summary["travel_s"])) / 3600, 2),
        work_h=round(float(str(summary["work_s"])) / 3600, 2),
        waiting_h=round(float(str(summary["waiting_s"])) / 3600, 2),
        overtime_h=round(float(str(summary.get("overtime_s", 0))) / 3600, 2),
        lunch_start_at=_when(summary["lunch_start_at"]),
        visits=rows,
    )


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
