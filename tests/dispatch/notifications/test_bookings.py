"""Countryside owners: booking confirmed, reminded the day before (once), told of a cancellation."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from dispatch import schema
from dispatch.app import create_app
from dispatch.campaigns.models import Booking
from dispatch.clock import FrozenClock
from dispatch.db import make_engine
from dispatch.events.service import record_event
from dispatch.fleet.models import Van
from dispatch.notifications.channels import SmsLogChannel
from dispatch.notifications.models import DeliveryStatus, Notification
from dispatch.notifications.outbox import enqueue_sms
from dispatch.notifications.worker import NotificationDelivery
from dispatch.settings import Settings
from tests.dispatch.campaigns.conftest import SHANGHAI
from tests.dispatch.followups.conftest import make_booking
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW


def _booked(db: Session, van_id: Callable[[str], int], now: datetime) -> Booking:
    van = db.get(Van, van_id(NINGBO_DAY_TOW))
    assert van is not None
    booking, _ = make_booking(db, van.station_id, now, (now + timedelta(days=2)).astimezone(SHANGHAI).date())
    record_event(db, kind="booking.created", actor="agent", at=now, booking_id=booking.id, to_status="booked")
    db.flush()
    return booking


def test_booking_confirmed_then_reminded_once_the_evening_before(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    sms: SmsLogChannel,
) -> None:
    booking = _booked(db, van_id, clock.now())
    worker = make_delivery()
    assert worker.queue_reminders() == 0  # two days ahead
    worker.drain()
    assert len(sms.sent) == 1 and "已预约" in sms.sent[0].body and "/track/" in sms.sent[0].body
    clock.set(
        datetime.combine(booking.service_date - timedelta(days=1), datetime.min.time(), SHANGHAI).replace(
            hour=17
        )
    )
    assert worker.queue_reminders() == 0  # before 18:00
    clock.advance(3600)
    assert worker.queue_reminders() == 1
    assert worker.queue_reminders() == 0  # once, however often the sweep runs
    worker.drain()
    assert "提醒：明天" in sms.sent[-1].body and sms.sent[-1].recipient == booking.phone

    record_event(db, kind="booking.cancelled", actor="agent", at=clock.now(), booking_id=booking.id)
    db.flush()
    worker.drain()
    assert "已取消" in sms.sent[-1].body
    assert [
        n.template for n in db.exec(select(Notification).where(Notification.booking_id == booking.id))
    ] == [
        "booking.confirmed",
        "booking.reminder",
        "booking.cancelled",
    ]


def test_the_app_delivers_while_it_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The worker runs in the app's lifespan. Its own database: background threads need their own
    connections, which the test's shared rolled-back connection cannot give them."""
    own = Settings(
        database_url=f"sqlite:///{tmp_path / 'lifespan.db'}",
        secret_key="test-secret-key-not-for-production-000000",
        background_workers=True,
        notify_interval_s=0.05,
    )
    schema.upgrade(own)
    engine = make_engine(own)
    now = datetime.now(UTC)
    with Session(engine) as session:
        row = enqueue_sms(
            session, template="job.on_site", phone="13800000000", context={"reference": "RJ-TEST-1"}, now=now
        )
        row_id = row.id
        session.commit()
    try:
        with caplog.at_level(logging.INFO, logger="dispatch.sms"), TestClient(create_app(own, engine=engine)):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _delivered(engine, row_id):
                time.sleep(0.05)
        assert _delivered(engine, row_id)
        assert any("RJ-TEST-1" in message for message in caplog.messages)
    finally:
        engine.dispose()


def _delivered(engine: Engine, notification_id: uuid.UUID) -> bool:
    with Session(engine) as session:
        found = session.get(Notification, notification_id)
        return found is not None and found.status == DeliveryStatus.DELIVERED


def test_owners_hear_of_a_window_changed_by_a_replan_not_of_the_first_plan(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    sms: SmsLogChannel,
) -> None:
    booking = _booked(db, van_id, clock.now())
    for hour in (10, 11):  # published at 10:00 local, then moved to 11:00 by a re-plan
        planned = booking.window_start.astimezone(SHANGHAI).replace(hour=hour)
        booking.planned_arrival_at = planned
        db.add(booking)
        record_event(
            db, kind="booking.arrival_planned", actor="planner", at=clock.now(), booking_id=booking.id,
            data={"planned_arrival_at": planned.isoformat()},
        )  # fmt: skip
        db.flush()
    make_delivery().drain()
    assert sorted(d.body.split("】")[1][:4] for d in sms.sent) == [
        "您已预约",
        "您的上门",
    ]  # written at one moment
    changed = next(d.body for d in sms.sent if "调整" in d.body)
    assert "11:00 前后" in changed
