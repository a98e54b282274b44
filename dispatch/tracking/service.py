"""Owners' tracking links: issue them, open them (404 unknown, 410 expired), and build what they show.

A link is the only credential an owner has, so its token carries 192 random bits and it shows one job or
one booking: status, ETA, the technician's given name, the owner's own phone masked, and the van's
position only while the van is on its way to them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from dispatch.campaigns.models import Booking, BookingStatus, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.errors import Gone, NotFound
from dispatch.events.replay import latest_event_id
from dispatch.fleet.models import Technician, Van
from dispatch.jobs.departure import drive_starts_at, set_off_at
from dispatch.jobs.models import CLOSED_STATUSES, JobStatus, RescueJob
from dispatch.references import tracking_token
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink
from dispatch.tracking.schemas import Destination, TrackingLinkRead, TrackingRead, VanPosition
from dispatch.tracking.scope import TrackingScope
from dispatch.tracking.texts import status_text
from dispatch.travel_times import DriveTime, EtaKind
from routing.geodesy import Location

CLOSED_BOOKING_STATUSES = frozenset({BookingStatus.CANCELLED, BookingStatus.SERVED, BookingStatus.NO_SHOW})
# The technician is named to the owner once the crew has taken the job.
NAMED_CREW_STATUSES = frozenset(
    {JobStatus.ACCEPTED, JobStatus.EN_ROUTE, JobStatus.ON_SITE, JobStatus.IN_SERVICE}
)
OPEN_VISIT_STATUSES = (VisitStatus.PLANNED.value, VisitStatus.IN_PROGRESS.value)


def issue_link(
    *, session: Session, now: datetime, job_id: uuid.UUID | None = None, booking_id: uuid.UUID | None = None
) -> TrackingLink:
    """A new link for one job or one booking (call it when the job or booking is created)."""
    if (job_id is None) == (booking_id is None):
        raise ValueError("a tracking link is for exactly one job or one booking")
    link = TrackingLink(token=tracking_token(), job_id=job_id, booking_id=booking_id, created_at=now)
    session.add(link)
    session.flush()
    return link


def link_for_job(*, session: Session, job_id: uuid.UUID, now: datetime) -> TrackingLink:
    """The job's link, issued now if the job has none yet."""
    if session.get(RescueJob, job_id) is None:
        raise NotFound(f"未找到救援单 {job_id} / Job not found")
    link = session.exec(select(TrackingLink).where(TrackingLink.job_id == job_id)).first()
    return link or issue_link(session=session, now=now, job_id=job_id)


def open_link(*, session: Session, token: str, now: datetime, settings: Settings) -> TrackingLink:
    """The live link behind `token`: NotFound (404) if unknown, Gone (410) once expired."""
    link = session.get(TrackingLink, token) if token else None
    if link is None:
        raise NotFound("链接无效 / Unknown tracking link")
    expires_at = link.expires_at or _closed_expiry(session, link, settings)
    if expires_at is not None and expires_at <= now:
        raise Gone(
            "链接已过期 / This tracking link has expired", details={"expired_at": expires_at.isoformat()}
        )
    return link


def link_read(link: TrackingLink, *, base_url: str, reference: str) -> TrackingLinkRead:
    root = base_url.rstrip("/")
    page_url = f"{root}/track/{link.token}"
    return TrackingLinkRead(
        token=link.token,
        job_id=link.job_id,
        booking_id=link.booking_id,
        url=f"{root}/api/track/{link.token}",
        page_url=page_url,
        sms_text=f"【售后服务】您的服务单 {reference} 进度请点击 / Track {reference}: {page_url}",
        expires_at=link.expires_at,
    )


def tracking_view(
    *, session: Session, link: TrackingLink, now: datetime, settings: Settings, drive_time: DriveTime
) -> tuple[TrackingRead, TrackingScope]:
    """What the owner sees now, and which events can change it."""
    if link.job_id is not None:
        return _job_view(session, link, now, settings, drive_time)
    return _booking_view(session, link, now, settings, drive_time)


def mask_phone(phone: str) -> str:
    """138****5678: enough for the owner to recognise their number, useless to anyone else."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def _job_view(
    session: Session, link: TrackingLink, now: datetime, settings: Settings, drive_time: DriveTime
) -> tuple[TrackingRead, TrackingScope]:
    job = session.get(RescueJob, link.job_id)
    if job is None:
        raise NotFound("链接无效 / Unknown tracking link")
    scope = TrackingScope(job_id=job.id)
    # Read the position in the log first: state read afterwards is at least that new (see the owner stream).
    last_id = latest_event_id(session, scope.where())
    status = JobStatus(job.status)
    van = session.get(Van, job.van_id) if job.van_id is not None else None
    on_the_way = status is JobStatus.EN_ROUTE and van is not None and _fresh_position(van, now, settings)
    view = TrackingRead(
        kind="rescue",
        reference=job.reference,
        status=status.value,
        status_text=status_text(status.value),
        contact_phone_masked=mask_phone(job.caller_phone),
        technician_first_name=_first_name(session, van) if status in NAMED_CREW_STATUSES else None,
        last_event_id=last_id,
        expires_at=link.expires_at,
        destination=Destination(lat=job.lat, lon=job.lon),
    )
    if on_the_way and van is not None:
        set_off = set_off_at(session, job.id)
        _set_live_eta(view, van, Location(job.lat, job.lon), now, drive_time, set_off)
    elif status in (JobStatus.ACCEPTED, JobStatus.EN_ROUTE) and job.eta_at is not None:
        view.eta_at, view.eta_source = job.eta_at, "dispatch"
        view.eta_kind = EtaKind(job.eta_kind) if job.eta_kind else None
        view.eta_s = max(0, round((job.eta_at - now).total_seconds()))
    return view, scope


def _booking_view(
    session: Session, link: TrackingLink, now: datetime, settings: Settings, drive_time: DriveTime
) -> tuple[TrackingRead, TrackingScope]:
    booking = session.get(Booking, link.booking_id)
    if booking is None:
        raise NotFound("链接无效 / Unknown tracking link")
    visit = _current_visit(session, booking.id)
    scope = TrackingScope(
        booking_id=booking.id,
        campaign_id=booking.campaign_id,
        service_date=booking.service_date,
        plan_id=visit.plan_id if visit else None,
        van_id=visit.van_id if visit else None,
    )
    last_id = latest_event_id(session, scope.where())
    van = session.get(Van, visit.van_id) if visit is not None else None
    stops_before = _stops_before(session, visit) if visit is not None else None
    visit_status = VisitStatus(visit.status) if visit is not None else None
    under_way = visit_status is VisitStatus.IN_PROGRESS and booking.status == BookingStatus.BOOKED.value
    view = TrackingRead(
        kind="booking",
        reference=booking.reference,
        status=BookingStatus(booking.status).value,
        status_text=status_text("visit_in_progress" if under_way else BookingStatus(booking.status).value),
        contact_phone_masked=mask_phone(booking.phone),
        technician_first_name=_first_name(session, van),
        window_start=booking.window_start,
        window_end=booking.window_end,
        planned_arrival_at=booking.planned_arrival_at,
        stops_before_yours=stops_before,
        visit_status=visit_status.value if visit_status is not None else None,
        last_event_id=last_id,
        expires_at=link.expires_at,
        destination=Destination(lat=booking.lat, lon=booking.lon),
    )
    awaited = visit_status in (None, VisitStatus.PLANNED) and booking.status == BookingStatus.BOOKED.value
    heading_here = awaited and stops_before == 0 and van is not None
    if heading_here and van is not None and _fresh_position(van, now, settings):
        _set_live_eta(view, van, Location(booking.lat, booking.lon), now, drive_time)
    elif awaited and booking.planned_arrival_at is not None:
        view.eta_at, view.eta_source = booking.planned_arrival_at, "plan"
        view.eta_s = max(0, round((booking.planned_arrival_at - now).total_seconds()))
    return view, scope


def _set_live_eta(
    view: TrackingRead,
    van: Van,
    destination: Location,
    now: datetime,
    drive: DriveTime,
    set_off: datetime | None = None,
) -> None:
    assert van.last_lat is not None and van.last_lon is not None and van.last_position_at is not None
    drive_time = drive(Location(van.last_lat, van.last_lon), destination)
    started = drive_starts_at(van.last_position_at, set_off)
    eta_at = max(now, started + timedelta(seconds=round(drive_time.duration_s)))
    view.eta_at, view.eta_s, view.eta_source = eta_at, round((eta_at - now).total_seconds()), "van_position"
    view.eta_kind = drive_time.kind
    view.van_position = VanPosition(lat=van.last_lat, lon=van.last_lon, recorded_at=van.last_position_at)


def _fresh_position(van: Van, now: datetime, settings: Settings) -> bool:
    if van.last_lat is None or van.last_lon is None or van.last_position_at is None:
        return False
    return now - van.last_position_at <= timedelta(minutes=settings.ping_fresh_minutes)


def _first_name(session: Session, van: Van | None) -> str | None:
    if van is None:
        return None
    technician = session.exec(
        select(Technician)
        .where(Technician.van_id == van.id, col(Technician.is_active).is_(True))
        .order_by(col(Technician.id))
    ).first()
    return technician.first_name() if technician is not None else None


def _current_visit(session: Session, booking_id: uuid.UUID) -> PlanVisit | None:
    """The booking's stop on the newest published plan of its day."""
    return session.exec(
        select(PlanVisit)
        .join(RoutePlan, col(RoutePlan.id) == col(PlanVisit.plan_id))
        .where(PlanVisit.booking_id == booking_id, RoutePlan.status == PlanStatus.PUBLISHED.value)
        .order_by(col(RoutePlan.version).desc())
    ).first()


def _stops_before(session: Session, visit: PlanVisit) -> int:
    earlier = session.exec(
        select(PlanVisit.id).where(
            PlanVisit.plan_id == visit.plan_id,
            PlanVisit.van_id == visit.van_id,
            col(PlanVisit.sequence) < visit.sequence,
            col(PlanVisit.status).in_(OPEN_VISIT_STATUSES),
        )
    ).all()
    return len(earlier)


def _closed_expiry(session: Session, link: TrackingLink, settings: Settings) -> datetime | None:
    """When the link should expire if whoever closed the job or booking did not stamp it."""
    ttl = timedelta(hours=settings.tracking_link_ttl_hours)
    if link.job_id is not None:
        job = session.get(RescueJob, link.job_id)
        if job is not None and JobStatus(job.status) in CLOSED_STATUSES and job.closed_at is not None:
            return job.closed_at + ttl
        return None
    booking = session.get(Booking, link.booking_id)
    if booking is not None and BookingStatus(booking.status) in CLOSED_BOOKING_STATUSES:
        return booking.updated_at + ttl
    return None
