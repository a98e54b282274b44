"""Booking use cases: feasible windows, book, reschedule, cancel (call center, planner, owner link)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.campaigns.booking_keys import open_owner_key
from dispatch.campaigns.booking_rules import (
    check_bookable_date,
    choose_window,
    resolve_place,
    service_offer,
    window_label,
)
from dispatch.campaigns.dayproblem import (
    LOCKED_VISITS,
    ServiceDay,
    campaign_day,
    load_service_day,
    local_today,
    published_plan,
    service_skills,
)
from dispatch.campaigns.models import Booking, BookingStatus, Campaign, PlanVisit, VisitStatus
from dispatch.campaigns.schemas import (
    AvailabilityRead,
    BookingCreate,
    BookingPlace,
    BookingReschedule,
    DayAvailability,
    WindowOption,
)
from dispatch.campaigns.service import campaign_days, get_campaign
from dispatch.campaigns.slots import current_routes, fits, release_day, reserve
from dispatch.campaigns.visits import set_status_if
from dispatch.errors import DuplicateBooking, IllegalTransition, InvalidInput, NotFound
from dispatch.events.service import record_event
from dispatch.references import insert_with_reference, public_reference, tracking_token
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from routing.geodesy import Location
from routing.problem import TimeWindow, Visit


def availability(
    *,
    session: Session,
    settings: Settings,
    campaign: Campaign,
    service_code: str,
    place: BookingPlace,
    now: datetime,
    service_date: date | None = None,
    exclude: uuid.UUID | None = None,
) -> AvailabilityRead:
    """Every coming service day's arrival windows, each marked feasible only if the day's plan can take it."""
    offer = service_offer(campaign, service_code)
    where = resolve_place(session, campaign, place)
    days = [d for d in campaign_days(session, campaign.id) if d.service_date >= local_today(now)]
    if service_date is not None:
        check_bookable_date(campaign, service_date, now)
        days = [d for d in days if d.service_date == service_date]
    moving = session.get(Booking, exclude) if exclude else None
    moving_from = moving.service_date if moving else None
    result = []
    for day in days:
        service_day = load_service_day(session, campaign, day.service_date)
        full = day.booked_count >= campaign.daily_capacity and day.service_date != moving_from
        windows = []
        routes = None if full else current_routes(session, settings, service_day, exclude=exclude)
        for start, end in service_day.offered_windows(settings.booking_window_minutes):
            candidate = _visit(exclude or uuid.uuid4(), service_day, offer, where.lat, where.lon, start, end)
            feasible = end > now and routes is not None and fits(settings, service_day, routes, candidate)
            windows.append(
                WindowOption(start=start, end=end, label=window_label(start, end), feasible=feasible)
            )
        result.append(
            DayAvailability(
                service_date=day.service_date,
                booked_count=day.booked_count,
                daily_capacity=campaign.daily_capacity,
                full=full,
                windows=windows,
            )
        )
    return AvailabilityRead(
        service_code=offer["code"],
        duration_min=offer["duration_min"],
        lat=where.lat,
        lon=where.lon,
        days=result,
    )


def _visit(
    visit_id: uuid.UUID,
    service_day: ServiceDay,
    offer: dict[str, object],
    lat: float,
    lon: float,
    start: datetime,
    end: datetime,
) -> Visit:
    duration_min = offer["duration_min"]
    assert isinstance(duration_min, int)
    return Visit(
        id=str(visit_id),
        location=Location(lat, lon),
        service_s=duration_min * 60.0,
        windows=(TimeWindow(service_day.seconds(start), service_day.seconds(end)),),
        required_skills=service_skills(service_day.campaign, str(offer["code"])),
    )


def create_booking(
    *,
    session: Session,
    settings: Settings,
    campaign: Campaign,
    request: BookingCreate,
    actor: str,
    now: datetime,
) -> tuple[Booking, TrackingLink]:
    """Book a window that the day's plan can still take; returns the booking and the owner's tracking link."""
    offer = service_offer(campaign, request.service_code)
    check_bookable_date(campaign, request.service_date, now)
    place = resolve_place(session, campaign, request)
    service_day = load_service_day(session, campaign, request.service_date)
    start, end = choose_window(service_day, request.window_start, settings.booking_window_minutes, now)
    owner_name = request.owner_name or (place.owner.name if place.owner else None)
    phone = request.phone or (place.owner.phone if place.owner else None)
    if not owner_name or not phone:
        raise InvalidInput(
            "请提供车主姓名和电话 / Give the owner's name and phone",
            field="owner_name" if not owner_name else "phone",
        )
    owner_id = place.owner.id if place.owner else None
    vehicle_id = place.vehicle.id if place.vehicle else None
    key = open_owner_key(request.service_date.isoformat(), owner_id, vehicle_id, phone)
    _refuse_second_booking(session, key)
    booking_id = uuid.uuid4()
    reserve(
        session,
        settings,
        service_day,
        _visit(booking_id, service_day, offer, place.lat, place.lon, start, end),
    )
    booking = Booking(
        id=booking_id,
        reference=public_reference("BK", now),
        campaign_id=campaign.id,
        service_date=request.service_date,
        owner_id=owner_id,
        vehicle_id=vehicle_id,
        owner_name=owner_name,
        phone=phone,
        service_code=offer["code"],
        duration_min=offer["duration_min"],
        lat=place.lat,
        lon=place.lon,
        address=place.address,
        gathering_point=place.gathering_point,
        window_start=start,
        window_end=end,
        open_owner_key=key,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _insert_once(session, booking, now)
    link = TrackingLink(token=tracking_token(), booking_id=booking.id, created_at=now)
    session.add(link)
    record_event(
        session,
        kind="booking.created",
        actor=actor,
        at=now,
        booking_id=booking.id,
        to_status=BookingStatus.BOOKED,
        data=_booking_data(booking, campaign),
    )
    return booking, link


def get_booking(*, session: Session, booking_id: uuid.UUID) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"未找到预约 {booking_id} / Booking not found")
    return booking


def booking_by_token(*, session: Session, token: str) -> Booking:
    """The booking behind an owner's tracking token (404 for anything else, including job links)."""
    link = session.get(TrackingLink, token)
    if link is None or link.booking_id is None:
        raise NotFound("链接无效 / Unknown link")
    return get_booking(session=session, booking_id=link.booking_id)


def list_bookings(*, session: Session, campaign: Campaign, service_date: date | None) -> list[Booking]:
    query = select(Booking).where(Booking.campaign_id == campaign.id)
    if service_date is not None:
        query = query.where(Booking.service_date == service_date)
    return list(
        session.exec(
            query.order_by(col(Booking.service_date), col(Booking.window_start), col(Booking.created_at))
        )
    )


def reschedule_booking(
    *,
    session: Session,
    settings: Settings,
    booking: Booking,
    request: BookingReschedule,
    actor: str,
    now: datetime,
) -> Booking:
    """Move a booking to another feasible day or window; the old day gives its place back."""
    _ensure_changeable(session, booking)
    campaign = get_campaign(session=session, campaign_id=booking.campaign_id)
    check_bookable_date(campaign, request.service_date, now)
    service_day = load_service_day(session, campaign, request.service_date)
    start, end = choose_window(service_day, request.window_start, settings.booking_window_minutes, now)
    offer = service_offer(campaign, booking.service_code)
    same_day = request.service_date == booking.service_date
    new_key = open_owner_key(
        request.service_date.isoformat(), booking.owner_id, booking.vehicle_id, booking.phone
    )
    if not same_day:
        _refuse_second_booking(session, new_key)
    candidate = _visit(booking.id, service_day, offer, booking.lat, booking.lon, start, end)
    reserve(
        session, settings, service_day, candidate, exclude=booking.id, counts_against_capacity=not same_day
    )
    old_day = campaign_day(session, campaign, booking.service_date)
    if not same_day:
        release_day(session, old_day.id or 0)
    _skip_published_visit(session, booking)
    before = {
        "service_date": booking.service_date.isoformat(),
        "window": window_label(booking.window_start, booking.window_end),
    }
    booking.service_date, booking.window_start, booking.window_end = request.service_date, start, end
    booking.open_owner_key = new_key
    booking.planned_arrival_at = None
    booking.updated_at = now
    booking.version += 1
    session.add(booking)
    session.flush()
    record_event(
        session,
        kind="booking.rescheduled",
        actor=actor,
        at=now,
        booking_id=booking.id,
        data=_booking_data(booking, campaign) | {"before": before},
    )
    return booking


def cancel_booking(
    *, session: Session, settings: Settings, booking: Booking, actor: str, now: datetime, reason: str = ""
) -> Booking:
    """Cancel; the day's place is freed and the owner's link lives on for a while to show the outcome."""
    _ensure_changeable(session, booking)
    day = campaign_day(
        session, get_campaign(session=session, campaign_id=booking.campaign_id), booking.service_date
    )
    release_day(session, day.id or 0)
    _skip_published_visit(session, booking)
    booking.status = BookingStatus.CANCELLED
    booking.open_owner_key = None
    booking.planned_arrival_at = None
    booking.updated_at = now
    booking.version += 1
    session.add(booking)
    link = session.exec(select(TrackingLink).where(TrackingLink.booking_id == booking.id)).first()
    if link is not None:
        link.expires_at = now + timedelta(hours=settings.tracking_link_ttl_hours)
        session.add(link)
    session.flush()
    record_event(
        session,
        kind="booking.cancelled",
        actor=actor,
        at=now,
        booking_id=booking.id,
        from_status=BookingStatus.BOOKED,
        to_status=BookingStatus.CANCELLED,
        data={
            "reference": booking.reference,
            "service_date": booking.service_date.isoformat(),
            "reason": reason,
        },
    )
    return booking


def _booked_with(session: Session, key: str | None) -> Booking | None:
    return session.exec(select(Booking).where(Booking.open_owner_key == key)).first()


def _refuse_second_booking(session: Session, key: str) -> None:
    existing = _booked_with(session, key)
    if existing is not None:
        raise _duplicate(existing)


def _insert_once(session: Session, booking: Booking, now: datetime) -> None:
    """The unique key decides when two bookings for the same owner race: the loser gets the 409."""
    try:
        insert_with_reference(session, booking, lambda: public_reference("BK", now))
    except IntegrityError:
        existing = session.exec(
            select(Booking).where(Booking.open_owner_key == booking.open_owner_key)
        ).first()
        if existing is None:
            raise
        raise _duplicate(existing) from None


def _duplicate(existing: Booking) -> DuplicateBooking:
    return DuplicateBooking(
        f"该车主 {existing.service_date} 已有预约 {existing.reference} / "
        f"This owner already has booking {existing.reference} on {existing.service_date}",
        field="owner_id" if existing.owner_id is not None else "phone",
        details={
            "booking_id": str(existing.id),
            "reference": existing.reference,
            "service_date": existing.service_date.isoformat(),
        },
    )


def _ensure_changeable(session: Session, booking: Booking) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise IllegalTransition(
            f"预约状态为 {booking.status}，不能再修改 / A {booking.status} booking cannot be changed",
            details={"status": booking.status},
        )
    visit = _published_visit(session, booking)
    if visit is not None and visit.status in LOCKED_VISITS:
        raise _visit_under_way(visit)


def _published_visit(session: Session, booking: Booking) -> PlanVisit | None:
    plan = published_plan(session, booking.campaign_id, booking.service_date)
    if plan is None:
        return None
    return session.exec(
        select(PlanVisit).where(PlanVisit.plan_id == plan.id, PlanVisit.booking_id == booking.id)
    ).first()


def _skip_published_visit(session: Session, booking: Booking) -> None:
    """The technicians' published plan shows the visit as skipped until the planner re-plans the day.

    Conditional on the visit still being planned: the crew may have started it since
    :func:`_ensure_changeable` looked (another transaction); then the crew wins and this change is a 409.
    """
    visit = _published_visit(session, booking)
    if visit is None or visit.status == VisitStatus.SKIPPED:
        return
    if not set_status_if(session, visit, VisitStatus.PLANNED, VisitStatus.SKIPPED):
        raise _visit_under_way(visit)


def _visit_under_way(visit: PlanVisit) -> IllegalTransition:
    return IllegalTransition(
        "技术员已开始或完成该服务 / The technician has already started or finished this visit",
        details={"visit_status": visit.status},
    )


def _booking_data(booking: Booking, campaign: Campaign) -> dict[str, object]:
    return {
        "reference": booking.reference,
        "campaign_reference": campaign.reference,
        "service_date": booking.service_date.isoformat(),
        "service_code": booking.service_code,
        "window_start": booking.window_start.isoformat(),
        "window_end": booking.window_end.isoformat(),
        "window": window_label(booking.window_start, booking.window_end),
        "gathering_point": booking.gathering_point,
    }
