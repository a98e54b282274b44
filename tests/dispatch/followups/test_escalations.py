"""Low scores and complaints reach the station's service manager, who has one hour to acknowledge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.followups.models import FollowUpTask
from dispatch.followups.watch import EscalationWatch
from dispatch.jobs.models import RescueJob
from dispatch.notifications.models import Notification
from tests.dispatch.followups.conftest import DONE, MANAGER_PHONE, token_of
from tests.dispatch.jobs.conftest import NINGBO_DAY_EV_TOW
from tests.dispatch.notifications.conftest import on_connection

Auth = Callable[[str], dict[str, str]]


def _first_call(db: Session, job: RescueJob) -> FollowUpTask:
    return db.exec(
        select(FollowUpTask).where(FollowUpTask.job_id == job.id, FollowUpTask.step == "24h")
    ).one()


def test_a_low_score_opens_an_escalation_that_turns_overdue_after_an_hour(
    db: Session,
    connection: Connection,
    clock: FrozenClock,
    rescued: Callable[..., RescueJob],
    manager: int,
    client: TestClient,
    auth: Auth,
) -> None:
    job = rescued()
    task = _first_call(db, job)
    clock.set(task.due_at)
    answered = client.post(
        f"/api/call-center/followups/{task.id}/calls",
        json={"outcome": "reached", "csat": 2, "nps": 3, "comment": "等了太久"},
        headers=auth("agent"),
    )
    assert answered.status_code == 200
    opened = client.get("/api/call-center/escalations", headers=auth("agent")).json()
    assert len(opened) == 1
    escalation = opened[0]
    assert escalation["reference"] == job.reference and escalation["station_id"] == manager
    assert escalation["manager_phone"] == MANAGER_PHONE and "满意度 2 分" in escalation["reason"]
    assert escalation["overdue"] is False
    texted = db.exec(select(Notification).where(Notification.template == "escalation.opened")).one()
    assert texted.recipient == MANAGER_PHONE

    watch = EscalationWatch(session_factory=on_connection(connection), clock=clock)
    clock.advance(59 * 60)
    assert watch.sweep_once() == 0
    assert client.get("/api/call-center/escalations?overdue=true", headers=auth("agent")).json() == []
    clock.advance(60)
    late = client.get("/api/call-center/escalations?overdue=true", headers=auth("agent")).json()
    assert [e["id"] for e in late] == [escalation["id"]] and late[0]["overdue"] is True
    assert watch.sweep_once() == 1 and watch.sweep_once() == 0  # flagged to supervisors once
    flagged = db.exec(select(Event).where(Event.kind == "escalation.overdue")).all()
    assert [e.job_id for e in flagged] == [job.id]

    url = f"/api/call-center/escalations/{escalation['id']}"
    acked = client.post(f"{url}/acknowledge", headers=auth("agent"))
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["overdue"] is False
    assert client.post(f"{url}/acknowledge", headers=auth("agent")).status_code == 409
    blank = client.post(f"{url}/close", json={"resolution_note": "   "}, headers=auth("agent"))
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "resolution_note"
    missing = client.post(f"{url}/close", json={}, headers=auth("agent"))
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "resolution_note"
    closed = client.post(
        f"{url}/close", json={"resolution_note": "已致电道歉并免费保养一次"}, headers=auth("agent")
    )
    assert closed.json()["status"] == "closed" and closed.json()["resolution_note"].startswith("已致电")


def test_good_scores_open_nothing(
    db: Session, clock: FrozenClock, rescued: Callable[..., RescueJob], client: TestClient, auth: Auth
) -> None:
    task = _first_call(db, rescued())
    client.post(
        f"/api/call-center/followups/{task.id}/calls",
        json={"outcome": "reached", "csat": 4, "nps": 7},
        headers=auth("agent"),
    )
    assert client.get("/api/call-center/escalations", headers=auth("agent")).json() == []


def test_the_owner_answers_the_survey_once_after_completion(
    db: Session,
    clock: FrozenClock,
    rescued: Callable[..., RescueJob],
    client: TestClient,
    manager: int,
    auth: Auth,
) -> None:
    open_job = rescued(steps={k: v for k, v in DONE.items() if k != "completed"}, plate=NINGBO_DAY_EV_TOW)
    early = token_of(db, open_job.id)
    assert client.get(f"/api/track/{early}/survey").json()["open"] is False
    assert client.post(f"/api/track/{early}/survey", json={"csat": 5}).status_code == 409

    job = rescued()
    token = token_of(db, job.id)
    assert client.get(f"/api/track/{token}/survey").json() == {
        "reference": job.reference,
        "open": True,
        "answered": False,
    }
    first = client.post(f"/api/track/{token}/survey", json={"csat": 5, "nps": 9, "complaint": True})
    assert first.status_code == 201
    assert client.post(f"/api/track/{token}/survey", json={"csat": 1}).status_code == 409
    assert client.get(f"/api/track/{token}/survey").json()["answered"] is True
    complaint = client.get("/api/call-center/escalations", headers=auth("agent")).json()
    assert [(e["reference"], e["reason"]) for e in complaint] == [(job.reference, "投诉 / complaint")]
    bad = client.post(f"/api/track/{token}/survey", json={"csat": 0})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "csat"
    assert client.get("/api/track/not-a-token/survey").status_code == 404
    clock.advance(timedelta(days=2).total_seconds())
    assert client.get(f"/api/track/{token}/survey").status_code == 410  # the link expired a day after closing
