"""Countryside owners: booking confirmed, reminded the day before (once), told of a cancellation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from dispatch.app import create_app
from dispatch.campaigns.models import Booking
from dispatch.clock import FrozenClock
from dispatch.events.service import record_event
from dispatch.fleet.models import Van
from dispatch.notifications.channels import SmsLogChannel
from dispatch.notifications.models import DeliveryStatus, Notification
from dispatch.notifications.worker import NotificationDelivery
from dispatch.settings import Settings
from tests.dispatch.campaigns.conftest import SHANGHAI
from tests.dispatch.followups.conftest import make_booking
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW
from tests.dispatch.notifications.conftest import on_connection


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


def test_the_app_delivers_while_it_runs(
    db: Session,
    connection: Connection,
    engine: Engine,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    booking = _booked(db, van_id, clock.now())
    with_workers = settings.model_copy(update={"background_workers": True, "offer_sweep_interval_s": 60})
    app = create_app(with_workers, engine=engine, clock=clock, session_factory=on_connection(connection))
    with caplog.at_level(logging.INFO, logger="dispatch.sms"), TestClient(app):
        pass  # start-up delivers once; shutdown waits for it
    row = db.exec(select(Notification).where(Notification.booking_id == booking.id)).one()
    db.refresh(row)
    assert row.status == DeliveryStatus.DELIVERED
    assert any(booking.reference in message for message in caplog.messages)
