"""The transactional outbox: written with the change, delivered once even when a worker dies mid-way."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.jobs.models import RescueJob
from dispatch.notifications.channels import SmsLogChannel
from dispatch.notifications.delivery import claim_batch, send_batch
from dispatch.notifications.models import Channel, DeliveryStatus, Notification
from dispatch.notifications.service import set_preference
from dispatch.notifications.worker import NotificationDelivery
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW
from tests.dispatch.notifications.journey import full_rescue
from tests.dispatch.notifications.receiver import Receiver

STEPS = {"offered": 1, "accepted": 2, "promised": 20, "en_route": 3, "on_site": 18, "completed": 40}


def _rows(db: Session, job: RescueJob | None = None) -> list[Notification]:
    """The notifications about `job` (about any job when None), oldest first."""
    db.expire_all()
    query = select(Notification).order_by(col(Notification.created_at))
    if job is not None:
        query = query.where(Notification.job_id == job.id)
    return list(db.exec(query))


def test_the_owner_is_told_each_step_in_chinese_with_the_link(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    sms: SmsLogChannel,
) -> None:
    job = full_rescue(db, van_id(NINGBO_DAY_TOW), clock.now(), minutes=STEPS)
    clock.advance(3600)
    make_delivery().drain()
    texts = [d.body for d in sms.sent]
    assert len(texts) == 4  # accepted, on its way, arrived, completed
    assert "已受理" in texts[0] and "预计 10:22 到达" in texts[0] and "/track/" in texts[0]
    assert (
        "正在赶往" in texts[1] and "已到达" in texts[2] and job.reference in texts[3] and "评分" in texts[3]
    )
    assert {d.recipient for d in sms.sent} == {job.caller_phone}
    assert all(row.status == DeliveryStatus.DELIVERED and row.body for row in _rows(db, job))


def test_an_owner_who_chose_no_messages_gets_none(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    sms: SmsLogChannel,
) -> None:
    set_preference(session=db, phone="13800000000", sms=False, actor="agent", now=clock.now())
    job = full_rescue(db, van_id(NINGBO_DAY_TOW), clock.now(), minutes=STEPS)
    clock.advance(3600)
    make_delivery().drain()
    assert sms.sent == []
    assert {row.status for row in _rows(db, job)} == {DeliveryStatus.SKIPPED}


def test_a_rolled_back_change_writes_no_notification(
    db: Session, clock: FrozenClock, van_id: Callable[[str], int]
) -> None:
    before = len(_rows(db))
    savepoint = db.begin_nested()
    full_rescue(db, van_id(NINGBO_DAY_TOW), clock.now(), minutes=STEPS)
    savepoint.rollback()
    assert len(_rows(db)) == before


def test_a_worker_killed_between_claim_and_send_loses_nothing_and_sends_once(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    sms: SmsLogChannel,
    receiver: Receiver,
    subscriber: int,
) -> None:
    job = full_rescue(db, van_id(NINGBO_DAY_TOW), clock.now(), minutes=STEPS)
    clock.advance(3600)
    expected = {str(r.id) for r in _rows(db, job)}
    webhooks = {str(r.id) for r in _rows(db, job) if r.channel == Channel.WEBHOOK}
    assert len(webhooks) == 6  # every job.status event: offered ... completed

    # Worker 1 claims a batch and its process dies before sending anything.
    doomed = make_delivery(notify_batch_size=5)
    with doomed.session_factory() as session:
        claimed = claim_batch(session=session, now=clock.now(), settings=doomed.settings)
        session.commit()
    assert len(claimed) == 5

    # Worker 2 claims the rest, sends them, and dies before recording that it did.
    sloppy = make_delivery()
    with sloppy.session_factory() as session:
        second = claim_batch(session=session, now=clock.now(), settings=sloppy.settings)
        session.commit()
    send_batch(second, sloppy.channels, now_s=clock.now().timestamp())
    assert len(claimed) + len(second) == len(expected)

    # A restarted worker leaves leased rows alone, then picks them all up once the leases run out.
    restarted = make_delivery()
    assert restarted.drain() == 0
    clock.advance(restarted.settings.notify_lease_s)
    assert restarted.drain() == len(expected)

    assert all(row.status == DeliveryStatus.DELIVERED for row in _rows(db, job))
    assert sorted(receiver.accepted_ids()) == sorted(webhooks)  # each once, deduplicated by delivery id
    sms_ids = [str(d.id) for d in sms.sent]
    assert set(sms_ids) == expected - webhooks
    # What reached the receiver twice carried the same delivery id, which is what lets it deduplicate.
    assert len(receiver.requests) == len(webhooks) + sum(1 for c in second if c.channel is Channel.WEBHOOK)


def test_only_the_worker_holding_the_claim_records_the_outcome(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
) -> None:
    from dispatch.notifications.delivery import Outcome, record_outcomes

    job = full_rescue(db, van_id(NINGBO_DAY_TOW), clock.now(), minutes=STEPS)
    clock.advance(3600)
    slow = make_delivery()
    with slow.session_factory() as session:
        stale = claim_batch(session=session, now=clock.now(), settings=slow.settings)
        session.commit()
    clock.advance(slow.settings.notify_lease_s)
    fresh = make_delivery()
    with fresh.session_factory() as session:
        again = claim_batch(session=session, now=clock.now(), settings=fresh.settings)
        session.commit()
    assert {c.id for c in again} == {c.id for c in stale}
    with slow.session_factory() as session:
        held = record_outcomes(
            session=session,
            outcomes=[Outcome(c, "timeout") for c in stale],
            now=clock.now(),
            settings=slow.settings,
        )
        session.commit()
    assert held == 0  # the late worker's failure does not overwrite the new claim
    assert {row.status for row in _rows(db, job)} == {DeliveryStatus.SENDING}
