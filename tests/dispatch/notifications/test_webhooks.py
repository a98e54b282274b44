"""Webhooks: signed, retried with backoff, received once; dead letters an admin sees and replays."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.notifications.models import Channel, DeliveryStatus, Notification
from dispatch.notifications.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from dispatch.notifications.worker import NotificationDelivery
from tests.dispatch.jobs.conftest import NINGBO_DAY_TOW
from tests.dispatch.notifications.conftest import SECRET
from tests.dispatch.notifications.journey import call_in, offer
from tests.dispatch.notifications.receiver import Receiver


def _one_webhook(db: Session, clock: FrozenClock, van: int) -> Notification:
    offer(db, call_in(db, clock.now()), van, clock.now())
    db.flush()
    rows = db.exec(select(Notification).where(Notification.channel == Channel.WEBHOOK)).all()
    assert len(rows) == 1  # the subscriber wants job.status: the offer
    return rows[0]


def test_a_receiver_failing_three_times_gets_it_once_with_a_valid_signature(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    receiver: Receiver,
    subscriber: int,
) -> None:
    row = _one_webhook(db, clock, van_id(NINGBO_DAY_TOW))
    receiver.fail_next = 3
    worker = make_delivery(notify_backoff_base_s=5.0)
    waits = []
    for _ in range(4):
        assert worker.drain() == 1
        db.refresh(row)
        waits.append((row.next_attempt_at - clock.now()).total_seconds())
        assert worker.drain() == 0  # nothing is retried before its backoff has passed
        clock.set(row.next_attempt_at)
    assert waits[:3] == [5.0, 10.0, 20.0]  # exponential backoff
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 4
    assert len(receiver.requests) == 4 and receiver.accepted_ids() == [str(row.id)]

    got = receiver.requests[-1]
    timestamp = int(got.headers[TIMESTAMP_HEADER.lower()])
    signature = got.headers[SIGNATURE_HEADER.lower()]
    now_s = clock.now().timestamp()
    assert verify(SECRET, timestamp=timestamp, body=got.body, signature=signature, now_s=now_s)
    payload = json.loads(got.body)
    assert payload["delivery_id"] == str(row.id) and payload["type"] == "job.status"
    assert payload["to_status"] == "offered"
    # The event's id: one change sent to several subscribers, or re-sent, is recognisable, and it orders
    # deliveries that arrive out of order (the live streams resume by the same id).
    event = db.exec(select(Event).where(col(Event.id) == payload["event_id"])).one()
    assert event.kind == "job.status" and event.to_status == "offered" and event.job_id == row.job_id

    tampered = got.body.replace(b'"offered"', b'"completed"')
    assert tampered != got.body
    assert not verify(SECRET, timestamp=timestamp, body=tampered, signature=signature, now_s=now_s)
    assert not verify(
        "another-secret-0000", timestamp=timestamp, body=got.body, signature=signature, now_s=now_s
    )
    assert not verify(SECRET, timestamp=timestamp, body=got.body, signature=signature, now_s=now_s + 3600)


def test_an_admin_sees_dead_letters_and_replays_them(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    receiver: Receiver,
    subscriber: int,
    client: TestClient,
    auth: Callable[[str], dict[str, str]],
) -> None:
    row = _one_webhook(db, clock, van_id(NINGBO_DAY_TOW))
    receiver.fail_next = 100
    worker = make_delivery(notify_max_attempts=2)
    worker.drain()
    clock.advance(3600)
    worker.drain()
    db.refresh(row)
    assert row.status == DeliveryStatus.DEAD

    listed = client.get("/api/admin/notifications/dead-letters", headers=auth("admin"))
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert listed.json()[0]["id"] == str(row.id) and "HTTP 503" in listed.json()[0]["last_error"]
    assert client.get("/api/admin/notifications/dead-letters", headers=auth("agent")).status_code == 403

    receiver.fail_next = 0
    replayed = client.post(f"/api/admin/notifications/{row.id}/replay", headers=auth("admin"))
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    again = client.post(f"/api/admin/notifications/{row.id}/replay", headers=auth("admin"))
    assert again.status_code == 409
    assert worker.drain() == 1
    assert receiver.accepted_ids() == [str(row.id)]


def test_admins_manage_subscribers_and_the_secret_is_shown_once(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    created = client.post(
        "/api/admin/webhooks",
        json={"name": "CRM", "url": "http://127.0.0.1:9/hook", "event_kinds": ["job.*"]},
        headers=auth("admin"),
    )
    assert created.status_code == 201 and len(created.json()["secret"]) >= 32
    hook_id = created.json()["id"]
    listed = client.get("/api/admin/webhooks", headers=auth("admin")).json()
    assert [h["id"] for h in listed] == [hook_id] and "secret" not in listed[0]
    changed = client.patch(f"/api/admin/webhooks/{hook_id}", json={"active": False}, headers=auth("admin"))
    assert changed.status_code == 200 and changed.json()["active"] is False
    bad = client.post("/api/admin/webhooks", json={"name": "x", "url": "not a url"}, headers=auth("admin"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "url"
    assert client.patch("/api/admin/webhooks/999999", json={}, headers=auth("admin")).status_code == 404


def test_the_jobs_timeline_shows_what_was_sent_and_whether_it_arrived(
    db: Session,
    clock: FrozenClock,
    van_id: Callable[[str], int],
    make_delivery: Callable[..., NotificationDelivery],
    receiver: Receiver,
    subscriber: int,
    client: TestClient,
    auth: Callable[[str], dict[str, str]],
) -> None:
    from tests.dispatch.notifications.journey import accept

    job = call_in(db, clock.now())
    van = van_id(NINGBO_DAY_TOW)
    accept(db, offer(db, job, van, clock.now()), van, clock.now(), eta_s=1200)
    db.flush()
    url = f"/api/call-center/jobs/{job.reference}/notifications"
    before = client.get(url, headers=auth("agent")).json()
    assert {(n["channel"], n["status"]) for n in before} == {("webhook", "pending"), ("sms", "pending")}
    sms = next(n for n in before if n["channel"] == "sms")
    assert sms["template"] == "job.accepted" and "已受理" in sms["body"]  # the text it will send
    make_delivery().drain()
    after = client.get(url, headers=auth("agent")).json()
    assert {n["status"] for n in after} == {"delivered"} and all(n["delivered_at"] for n in after)
    assert client.get(url, headers=auth("tech001")).status_code == 403
