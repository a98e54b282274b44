"""Follow-up fixtures: completed rescue jobs, a served countryside booking, the station's manager."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from dispatch.campaigns.models import Booking, Campaign, CampaignMode
from dispatch.clock import FrozenClock
from dispatch.fleet.models import Van
from dispatch.followups.escalations import set_manager
from dispatch.followups.hooks import install_after_sales_hooks
from dispatch.followups.models import Escalation, EscalationStatus, FollowUpTask, TaskStatus
from dispatch.jobs.models import RescueJob
from dispatch.references import public_reference, tracking_token
from dispatch.tracking.models import TrackingLink
from tests.dispatch.jobs import conftest as job_fixtures
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW
from tests.dispatch.notifications.journey import full_rescue

van_id = job_fixtures.van_id
_fresh_fleet_snapshot = job_fixtures._fresh_fleet_snapshot
MANAGER_PHONE = "13900000001"
DONE = {"offered": 1, "accepted": 2, "promised": 20, "en_route": 3, "on_site": 18, "completed": 40}


@pytest.fixture(autouse=True)
def _hooks(db: Session) -> None:
    """Hooks on, and no calls or escalations but the test's own.

    Tests elsewhere commit for real (races need it) and may leave follow-ups behind; they are set aside
    inside this test's rolled-back transaction, so no real row changes.
    """
    install_after_sales_hooks()
    db.execute(
        update(FollowUpTask)
        .where(col(FollowUpTask.status) == TaskStatus.OPEN)
        .values(status=TaskStatus.NO_ANSWER)
    )
    db.execute(
        update(Escalation)
        .where(col(Escalation.status) != EscalationStatus.CLOSED)
        .values(status=EscalationStatus.CLOSED)
    )


@pytest.fixture
def rescued(db: Session, clock: FrozenClock, van_id: Callable[[str], int]) -> Callable[..., RescueJob]:
    """A job called in at `called_at` (default now) and driven to `steps` (default: completed)."""

    def make(
        called_at: datetime | None = None, steps: dict[str, float] | None = None, plate: str = NINGBO_DAY_TOW
    ) -> RescueJob:
        return full_rescue(db, van_id(plate), called_at or clock.now(), minutes=steps or DONE)

    return make


@pytest.fixture
def manager(db: Session, van_id: Callable[[str], int], clock: FrozenClock) -> int:
    """The service manager of the Ningbo van's station; returns the station id."""
    van = db.get(Van, van_id(NINGBO_DAY_TOW))
    assert van is not None
    set_manager(session=db, station_id=van.station_id, name="李经理", phone=MANAGER_PHONE, now=clock.now())
    return van.station_id


def make_booking(db: Session, station_id: int, now: datetime, service_date: date) -> tuple[Booking, str]:
    campaign = Campaign(
        reference=public_reference("CP", now), name="宁海县冬季上门保养活动", mode=CampaignMode.DOOR_TO_DOOR,
        county_adcodes=["330226"], start_date=service_date, end_date=service_date, host_station_id=station_id,
        daily_capacity=10, created_by="planner", created_at=now,
    )  # fmt: skip
    db.add(campaign)
    db.flush()
    start = datetime.combine(service_date, datetime.min.time(), now.tzinfo) + timedelta(hours=1)
    booking = Booking(
        reference=public_reference("BK", now), campaign_id=campaign.id, service_date=service_date,
        owner_name="张女士", phone="13700000000", service_code="maintenance", duration_min=30,
        lat=29.29, lon=121.42, window_start=start, window_end=start + timedelta(hours=2),
        created_by="agent", created_at=now, updated_at=now,
    )  # fmt: skip
    db.add(booking)
    db.flush()
    token = tracking_token()
    db.add(TrackingLink(token=token, booking_id=booking.id, created_at=now))
    db.flush()
    return booking, token


def token_of(db: Session, job_id: uuid.UUID) -> str:
    from sqlmodel import select

    return db.exec(select(TrackingLink.token).where(TrackingLink.job_id == job_id)).one()
