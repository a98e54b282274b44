"""Follow-up calls with a frozen clock: three calls at the standard's times, the agents' queue, outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.followups.models import FollowUpTask
from dispatch.jobs.models import RescueJob
from tests.dispatch.campaigns.conftest import SHANGHAI
from tests.dispatch.followups.conftest import DONE, make_booking

Auth = Callable[[str], dict[str, str]]


def _local(task: FollowUpTask) -> str:
    return task.due_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def _tasks(db: Session, job: RescueJob) -> dict[str, FollowUpTask]:
    return {t.step: t for t in db.exec(select(FollowUpTask).where(FollowUpTask.job_id == job.id))}


def test_a_completed_job_gets_calls_at_24_hours_3_days_and_5_days(
    db: Session, clock: FrozenClock, rescued: Callable[..., RescueJob]
) -> None:
    job = rescued()  # called 10:00 Shanghai, completed 10:40
    tasks = _tasks(db, job)
    assert {step: _local(t) for step, t in tasks.items()} == {
        "24h": "11-24 10:40",
        "3d": "11-26 10:40",
        "5d": "11-28 10:40",
    }
    assert all(t.phone == job.caller_phone and t.reference == job.reference for t in tasks.values())


def test_a_call_that_would_fall_at_night_is_due_at_nine_the_next_morning(
    db: Session, clock: FrozenClock, rescued: Callable[..., RescueJob]
) -> None:
    evening = datetime(2026, 11, 23, 20, 50, tzinfo=SHANGHAI)  # completed 21:30
    job = rescued(called_at=evening)
    assert {step: _local(t) for step, t in _tasks(db, job).items()} == {
        "24h": "11-25 09:00",
        "3d": "11-27 09:00",
        "5d": "11-29 09:00",
    }


def test_a_job_that_is_not_finished_gets_no_calls(db: Session, rescued: Callable[..., RescueJob]) -> None:
    steps = {k: v for k, v in DONE.items() if k != "completed"}
    assert _tasks(db, rescued(steps=steps)) == {}


def test_the_agents_queue_lists_calls_as_they_fall_due(
    db: Session, clock: FrozenClock, rescued: Callable[..., RescueJob], client: TestClient, auth: Auth
) -> None:
    job = rescued()
    queue = client.get("/api/call-center/followups", headers=auth("agent"))
    assert queue.status_code == 200 and queue.json() == [] and queue.headers["X-Total-Count"] == "0"
    clock.advance(timedelta(days=1, minutes=40).total_seconds())
    due = client.get("/api/call-center/followups", headers=auth("agent")).json()
    assert [(t["reference"], t["step"]) for t in due] == [(job.reference, "24h")]
    clock.advance(timedelta(days=2).total_seconds())
    assert [t["step"] for t in client.get("/api/call-center/followups", headers=auth("agent")).json()] == [
        "24h",
        "3d",
    ]
    assert client.get("/api/call-center/followups", headers=auth("tech001")).status_code == 403


def test_outcomes_no_answer_call_back_later_and_reached(
    db: Session, clock: FrozenClock, rescued: Callable[..., RescueJob], client: TestClient, auth: Auth
) -> None:
    tasks = _tasks(db, rescued())
    clock.advance(timedelta(days=6).total_seconds())  # 16:00 local
    url = "/api/call-center/followups/{}/calls"
    later = client.post(
        url.format(tasks["24h"].id),
        json={"outcome": "call_back_later", "call_back_at": "2026-11-29T22:00:00+08:00"},
        headers=auth("agent"),
    )
    assert later.status_code == 200 and later.json()["status"] == "open"
    assert later.json()["due_at"].startswith("2026-11-30T01:00")  # 22:00 is too late: 09:00 next day
    scored = client.post(
        url.format(tasks["3d"].id), json={"outcome": "no_answer", "csat": 5}, headers=auth("agent")
    )
    assert scored.status_code == 422 and scored.json()["error"]["field"] == "outcome"
    missed = client.post(url.format(tasks["3d"].id), json={"outcome": "no_answer"}, headers=auth("agent"))
    assert missed.json()["status"] == "no_answer" and missed.json()["done_by"] == "agent"
    reached = client.post(
        url.format(tasks["5d"].id), json={"outcome": "reached", "csat": 5, "nps": 10}, headers=auth("agent")
    )
    assert reached.json()["status"] == "reached"
    again = client.post(url.format(tasks["5d"].id), json={"outcome": "reached"}, headers=auth("agent"))
    assert again.status_code == 409
    bad = client.post(
        url.format(tasks["24h"].id), json={"outcome": "reached", "csat": 6}, headers=auth("agent")
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "csat"
    assert (
        client.post(url.format(999999), json={"outcome": "reached"}, headers=auth("agent")).status_code == 404
    )


def test_a_served_countryside_visit_gets_its_calls_too(
    db: Session, clock: FrozenClock, manager: int, client: TestClient, auth: Auth
) -> None:
    booking, _ = make_booking(db, manager, clock.now(), clock.now().date())
    served = client.post(f"/api/call-center/bookings/{booking.id}/served", headers=auth("agent"))
    assert served.status_code == 204
    steps = {t.step for t in db.exec(select(FollowUpTask).where(FollowUpTask.booking_id == booking.id))}
    assert steps == {"24h", "3d", "5d"}
    twice = client.post(f"/api/call-center/bookings/{booking.id}/served", headers=auth("agent"))
    assert twice.status_code == 409
