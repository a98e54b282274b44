"""Outbox fixtures: a delivery worker on the test's connection, a subscriber, a van that takes jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, update
from sqlmodel import Session, col

from dispatch.clock import FrozenClock
from dispatch.followups.hooks import install_after_sales_hooks
from dispatch.notifications.channels import SmsLogChannel, WebhookChannel
from dispatch.notifications.models import Channel, DeliveryStatus, Notification
from dispatch.notifications.service import create_subscriber
from dispatch.notifications.worker import NotificationDelivery
from dispatch.settings import Settings
from tests.dispatch.jobs import conftest as job_fixtures
from tests.dispatch.notifications.receiver import Receiver, webhook_receiver

van_id = job_fixtures.van_id
_fresh_fleet_snapshot = job_fixtures._fresh_fleet_snapshot
SECRET = "whsec-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def _hooks(db: Session) -> None:
    """Hooks on, and an outbox with nothing due but what the test writes.

    Tests elsewhere commit for real (races need it), and their changes leave notifications behind; they
    are marked delivered inside this test's rolled-back transaction, so no real row changes.
    """
    install_after_sales_hooks()
    db.execute(
        update(Notification)
        .where(col(Notification.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
        .values(status=DeliveryStatus.DELIVERED)
    )


def on_connection(connection: Connection) -> Callable[[], Session]:
    return lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def sms() -> SmsLogChannel:
    return SmsLogChannel()


@pytest.fixture
def make_delivery(
    connection: Connection, settings: Settings, clock: FrozenClock, sms: SmsLogChannel
) -> Iterator[Callable[..., NotificationDelivery]]:
    """A fresh delivery worker (a restarted process) sharing the test's transaction."""
    made: list[NotificationDelivery] = []

    def make(**overrides: Any) -> NotificationDelivery:
        # One sending thread: messages go out in the order they fell due, which the tests read.
        tuned = settings.model_copy(update={"notify_concurrency": 1, **overrides})
        worker = NotificationDelivery(session_factory=on_connection(connection), settings=tuned, clock=clock)
        worker.channels = {Channel.SMS: sms, Channel.WEBHOOK: WebhookChannel(worker.client)}
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.close()


@pytest.fixture
def subscriber(db: Session, receiver: Receiver, clock: FrozenClock) -> int:
    row = create_subscriber(
        session=db, name="CRM", url=receiver.url, event_kinds=["job.status"], secret=SECRET, now=clock.now()
    )
    assert row.id is not None
    return row.id
