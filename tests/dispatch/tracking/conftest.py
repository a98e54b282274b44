"""Factories for tracking tests: a rescue job or a planned booking, each with its owner's link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from dispatch.campaigns.models import (
    Booking,
    Campaign,
    CampaignMode,
    PlanStatus,
    PlanVisit,
    RoutePlan,
    VisitStatus,
)
from dispatch.clock import FrozenClock
from dispatch.fleet.models import ServiceStation, Technician, Van, VanKind
from dispatch.jobs.models import FaultCategory, JobStatus, LocationSource, RescueJob
from dispatch.tracking.models import TrackingLink
from dispatch.tracking.service import issue_link
from tests.dispatch.events.conftest import app  # noqa: F401  (sessions safe to use from stream threads)

# A breakdown on the ring road west of Ningbo (WGS-84).
JOB_LAT, JOB_LON = 29.8683, 121.5440


@dataclass
class TrackedJob:
    job: RescueJob
    link: TrackingLink
    van: Van
    technician: Technician


def _van_with_crew(db: Session, kind: VanKind = VanKind.RESCUE) -> tuple[Van, Technician]:
    for van in db.exec(select(Van).where(Van.kind == kind.value).order_by(col(Van.id))):
        technician = db.exec(select(Technician).where(Technician.van_id == van.id)).first()
        if technician is not None:
            return van, technician
    raise AssertionError(f"the small world has no crewed {kind} van")


@pytest.fixture
def tracked_job(db: Session, clock: FrozenClock) -> Any:
    """make(status=...) -> a job held by a crewed van, with its tracking link."""

    def make(status: JobStatus = JobStatus.ACCEPTED, **fields: Any) -> TrackedJob:
        van, technician = _van_with_crew(db)
        now = clock.now()
        job = RescueJob(
            reference=f"RJ-TEST-{uuid.uuid4().hex[:6].upper()}",
            status=status,
            caller_name="王建国",
            caller_phone="13812345678",
            vehicle_plate="浙B12345",
            powertrain="ev",
            fault_category=FaultCategory.FLAT_TYRE,
            lat=JOB_LAT,
            lon=JOB_LON,
            location_source=LocationSource.WGS84,
            address="宁波市海曙区环城西路",
            city_adcode="330200",
            van_id=van.id,
            eta_s=1800,
            eta_at=now + timedelta(minutes=30),
            created_by="agent",
            created_at=now,
            updated_at=now,
            **fields,
        )
        db.add(job)
        db.flush()
        link = issue_link(session=db, now=now, job_id=job.id)
        db.commit()
        return TrackedJob(job=job, link=link, van=van, technician=technician)

    return make


def place_van(db: Session, van: Van, lat: float, lon: float, at: datetime) -> None:
    van.last_lat, van.last_lon, van.last_position_at = lat, lon, at
    db.add(van)
    db.commit()


@dataclass
class TrackedBooking:
    booking: Booking
    link: TrackingLink
    van: Van
    visits: list[PlanVisit]


@pytest.fixture
def tracked_booking(db: Session, clock: FrozenClock) -> Any:
    """make(position=k) -> a booking that is stop k+1 of a published plan, with its link."""

    def make(position: int = 2) -> TrackedBooking:
        van, _ = _van_with_crew(db, VanKind.MOBILE_STATION)
        station = db.get(ServiceStation, van.station_id)
        assert station is not None
        now = clock.now()
        today: date = now.date()
        campaign = Campaign(
            reference=f"CP-TEST-{uuid.uuid4().hex[:6].upper()}",
            name="宁海下乡服务 / Ninghai visit days",
            mode=CampaignMode.DOOR_TO_DOOR,
            county_adcodes=["330226"],
            start_date=today,
            end_date=today,
            host_station_id=station.id,
            daily_capacity=20,
            created_by="planner",
        )
        db.add(campaign)
        plan = RoutePlan(
            campaign_id=campaign.id,
            service_date=today,
            status=PlanStatus.PUBLISHED,
            created_by="planner",
            published_at=now,
        )
        db.add(plan)
        db.flush()
        bookings = [_booking(campaign, today, now, i) for i in range(position + 1)]
        db.add_all(bookings)
        db.flush()
        visits = [
            PlanVisit(
                plan_id=plan.id,
                van_id=van.id,
                sequence=i + 1,
                booking_id=b.id,
                arrival_at=now + timedelta(hours=i + 1),
                start_at=now + timedelta(hours=i + 1),
                departure_at=now + timedelta(hours=i + 1, minutes=45),
            )
            for i, b in enumerate(bookings)
        ]
        db.add_all(visits)
        mine = bookings[-1]
        mine.planned_arrival_at = visits[-1].start_at
        link = issue_link(session=db, now=now, booking_id=mine.id)
        db.commit()
        return TrackedBooking(booking=mine, link=link, van=van, visits=visits)

    return make


def _booking(campaign: Campaign, day: date, now: datetime, i: int) -> Booking:
    start = datetime.combine(day, time(0, 0), tzinfo=now.tzinfo) + timedelta(hours=1 + i)
    return Booking(
        reference=f"BK-TEST-{uuid.uuid4().hex[:6].upper()}",
        campaign_id=campaign.id,
        service_date=day,
        owner_name="李秀英",
        phone="13987654321",
        service_code="maintenance",
        duration_min=45,
        lat=29.29 + i * 0.01,
        lon=121.43,
        window_start=start,
        window_end=start + timedelta(hours=2),
        created_by="planner",
    )


def set_visit_status(db: Session, visit: PlanVisit, status: VisitStatus) -> None:
    visit.status = status
    db.add(visit)
    db.commit()
