"""Countryside visits moved along by the crew: started, completed or skipped on the published plan."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from dispatch.campaigns.models import (
    Booking,
    BookingStatus,
    Campaign,
    PlanStatus,
    PlanVisit,
    RoutePlan,
    VisitStatus,
)
from dispatch.campaigns.todays_plan import service_date_at
from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.tracking.service import issue_link
from tests.field_app_api.conftest import new_key, one_day_campaign, van_of

Auth = Callable[[str], dict[str, str]]
CREW = "tech007"  # tech007 and tech008 crew the first mobile service station
OTHER_CREW = "tech009"


@dataclass
class Day:
    campaign: Campaign
    plan: RoutePlan
    visits: list[PlanVisit]  # the crew's, in order
    bookings: list[Booking]
    tokens: list[str]  # the owners' tracking links, one per booking


def _plan(db: Session, campaign: Campaign, status: PlanStatus, version: int) -> RoutePlan:
    plan = RoutePlan(
        campaign_id=campaign.id,
        service_date=campaign.start_date,
        version=version,
        status=status,
        created_by="planner",
    )
    db.add(plan)
    db.flush()
    return plan


def _visit(db: Session, plan: RoutePlan, van_id: int, sequence: int, booking: Booking) -> PlanVisit:
    visit = PlanVisit(
        plan_id=plan.id,
        van_id=van_id,
        sequence=sequence,
        booking_id=booking.id,
        arrival_at=booking.window_start,
        start_at=booking.window_start,
        departure_at=booking.window_start + timedelta(minutes=45),
    )
    db.add(visit)
    db.flush()
    return visit


def _booking(db: Session, campaign: Campaign, start: datetime, n: int) -> Booking:
    booking = Booking(
        reference=f"BK-{uuid.uuid4().hex[:8]}",
        campaign_id=campaign.id,
        service_date=campaign.start_date,
        owner_name=f"村民{n}",
        phone=f"1390000000{n}",
        service_code="maintenance",
        duration_min=45,
        lat=29.29 + n * 0.01,
        lon=121.43,
        address="宁海县跃龙街道",
        window_start=start,
        window_end=start + timedelta(hours=2),
        planned_arrival_at=start,
        open_owner_key=f"{campaign.start_date}|{n}",
        created_by="planner",
    )
    db.add(booking)
    db.flush()
    return booking


@pytest.fixture
def day(db: Session, clock: FrozenClock) -> Day:
    """Today's published plan: three visits for CREW's van, one for OTHER_CREW's van."""
    campaign = one_day_campaign(db, service_date_at(clock.now()))
    plan = _plan(db, campaign, PlanStatus.PUBLISHED, version=1)
    van_id = van_of(db, CREW).id or 0
    bookings = [_booking(db, campaign, clock.now() + timedelta(hours=n), n) for n in range(4)]
    visits = [_visit(db, plan, van_id, n + 1, b) for n, b in enumerate(bookings[:3])]
    _visit(db, plan, van_of(db, OTHER_CREW).id or 0, 1, bookings[3])
    tokens = [issue_link(session=db, now=clock.now(), booking_id=b.id).token for b in bookings]
    db.commit()
    return Day(campaign, plan, visits, bookings, tokens)


def _move(client: TestClient, auth: Auth, visit_id: int | str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"/api/field/visits/{visit_id}/status", json=body, headers={**auth(CREW), **headers})


def _visit_events(db: Session, booking: Booking) -> list[Event]:
    query = select(Event).where(Event.booking_id == booking.id, col(Event.kind).startswith("visit."))
    return sorted(db.exec(query).all(), key=lambda e: e.id or 0)


def test_todays_plan_names_each_visit_by_the_id_the_status_endpoint_takes(
    client: TestClient, auth: Auth, day: Day
) -> None:
    stops = client.get("/api/field/plan/today", headers=auth(CREW)).json()["stops"]
    assert [s["visit_id"] for s in stops] == [v.id for v in day.visits]
    assert [s["booking_id"] for s in stops] == [str(b.id) for b in day.bookings[:3]]
    assert stops[0]["allowed_next"] == ["completed", "in_progress", "skipped"]


def test_a_visit_is_started_then_completed_and_the_owner_sees_it(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    first, second = day.visits[0], day.visits[1]
    recorded = "2026-11-23T01:55:00+00:00"
    started = _move(client, auth, first.id or 0, {"status": "in_progress", "recorded_at": recorded})
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["visit_id"] == first.id and body["status"] == "in_progress"
    assert body["booking_reference"] == day.bookings[0].reference
    assert body["allowed_next"] == ["completed", "skipped"]

    owner = client.get(f"/api/track/{day.tokens[0]}").json()
    assert owner["visit_status"] == "in_progress" and owner["status"] == "booked"
    assert "正在" in owner["status_text"] and " / " in owner["status_text"]
    assert owner["eta_at"] is None  # the crew is already there
    # The next owner still has the stop under way before theirs.
    assert client.get(f"/api/track/{day.tokens[1]}").json()["stops_before_yours"] == 1

    done = _move(client, auth, first.id or 0, {"status": "completed"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["allowed_next"] == []
    db.expire_all()
    assert db.get(Booking, day.bookings[0].id).status == BookingStatus.SERVED  # type: ignore[union-attr]
    owner = client.get(f"/api/track/{day.tokens[0]}").json()
    assert owner["status"] == "served" and owner["visit_status"] == "completed"
    assert client.get(f"/api/track/{day.tokens[1]}").json()["stops_before_yours"] == 0
    # Skipping the second stop leaves no stop before the third owner.
    assert (
        _move(client, auth, second.id or 0, {"status": "skipped", "reason": "车主不在家"}).status_code == 200
    )
    assert client.get(f"/api/track/{day.tokens[2]}").json()["stops_before_yours"] == 0

    events = _visit_events(db, day.bookings[0])
    assert [e.kind for e in events] == ["visit.started", "visit.completed"]
    assert all(e.plan_id == day.plan.id and e.van_id == first.van_id for e in events)
    assert [(e.from_status, e.to_status) for e in events] == [
        ("planned", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert events[0].data["recorded_at"] == recorded and events[0].data["visit_id"] == first.id
    served = db.exec(
        select(Event).where(Event.booking_id == day.bookings[0].id, Event.kind == "booking.served")
    ).all()
    assert len(served) == 1


def test_a_visit_can_be_completed_without_being_started(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    response = _move(client, auth, day.visits[1].id or 0, {"status": "completed"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert [e.kind for e in _visit_events(db, day.bookings[1])] == ["visit.completed"]


def test_a_skipped_visit_says_why_and_the_booking_is_missed(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    visit, booking = day.visits[0], day.bookings[0]
    assert _move(client, auth, visit.id or 0, {"status": "in_progress"}).status_code == 200
    response = _move(client, auth, visit.id or 0, {"status": "skipped", "reason": "车辆不在 / car not there"})
    assert response.status_code == 200 and response.json()["status"] == "skipped"
    db.expire_all()
    missed = db.get(Booking, booking.id)
    assert missed is not None and missed.status == BookingStatus.NO_SHOW and missed.open_owner_key is None
    skipped = _visit_events(db, booking)[-1]
    assert skipped.kind == "visit.skipped" and skipped.data["reason"] == "车辆不在 / car not there"
    owner = client.get(f"/api/track/{day.tokens[0]}").json()
    assert owner["status"] == "no_show" and owner["visit_status"] == "skipped"


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["completed"], "in_progress"),
        (["completed"], "skipped"),
        (["skipped"], "in_progress"),
        (["skipped"], "completed"),
        (["in_progress", "completed"], "skipped"),
        (["in_progress", "skipped"], "completed"),
    ],
)
def test_illegal_moves_are_409_in_both_languages(
    client: TestClient, auth: Auth, db: Session, day: Day, steps: list[str], refused: str
) -> None:
    visit = day.visits[0]
    for step in steps:
        assert _move(client, auth, visit.id or 0, {"status": step, "reason": "x"}).status_code == 200
    response = _move(client, auth, visit.id or 0, {"status": refused, "reason": "x"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["current_status"] == steps[-1]
    assert error["details"]["requested_status"] == refused
    chinese, english = error["message"].split(" / ", 1)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese) and "cannot" in english
    assert len(_visit_events(db, day.bookings[0])) == len(steps)


@pytest.mark.parametrize("status", ["in_progress", "completed", "skipped"])
def test_the_same_status_sent_twice_changes_nothing_the_second_time(
    client: TestClient, auth: Auth, db: Session, day: Day, status: str
) -> None:
    visit = day.visits[0]
    first = _move(client, auth, visit.id or 0, {"status": status, "reason": "车主改期"})
    again = _move(client, auth, visit.id or 0, {"status": status, "reason": "车主改期"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(_visit_events(db, day.bookings[0])) == 1


def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    key = new_key()
    visit = day.visits[0]
    first = _move(client, auth, visit.id or 0, {"status": "in_progress"}, **{"Idempotency-Key": key})
    retry = _move(client, auth, visit.id or 0, {"status": "in_progress"}, **{"Idempotency-Key": key})
    assert first.status_code == retry.status_code == 200
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.json() == first.json()
    reused = _move(client, auth, visit.id or 0, {"status": "completed"}, **{"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert len(_visit_events(db, day.bookings[0])) == 1


def test_another_vans_visit_is_403_and_unknown_or_unpublished_ones_404(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    others = db.exec(
        select(PlanVisit).where(PlanVisit.plan_id == day.plan.id, PlanVisit.van_id != day.visits[0].van_id)
    ).one()
    forbidden = _move(client, auth, others.id or 0, {"status": "in_progress"})
    assert forbidden.status_code == 403 and " / " in forbidden.json()["error"]["message"]
    assert _move(client, auth, 999_999_999, {"status": "in_progress"}).status_code == 404

    draft = _plan(db, day.campaign, PlanStatus.DRAFT, version=2)
    drafted = _visit(db, draft, day.visits[0].van_id, 1, day.bookings[0])
    db.commit()
    unpublished = _move(client, auth, drafted.id or 0, {"status": "in_progress"})
    assert unpublished.status_code == 404 and " / " in unpublished.json()["error"]["message"]
    db.expire_all()
    assert db.get(PlanVisit, drafted.id).status == VisitStatus.PLANNED  # type: ignore[union-attr]
    assert _visit_events(db, day.bookings[0]) == []


def test_a_visit_id_from_before_a_replan_marks_the_visit_on_the_published_plan(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    """A tablet that queued the change offline, while the planner re-published the day, still lands it."""
    old = day.visits[0]
    day.plan.status = PlanStatus.SUPERSEDED
    db.add(day.plan)
    newer = _plan(db, day.campaign, PlanStatus.PUBLISHED, version=2)
    current = _visit(db, newer, old.van_id, 1, day.bookings[0])
    db.commit()
    response = _move(client, auth, old.id or 0, {"status": "in_progress"})
    assert response.status_code == 200
    assert response.json()["visit_id"] == current.id and response.json()["plan_id"] == str(newer.id)
    db.expire_all()
    assert db.get(PlanVisit, current.id).status == VisitStatus.IN_PROGRESS  # type: ignore[union-attr]
    assert db.get(PlanVisit, old.id).status == VisitStatus.PLANNED  # type: ignore[union-attr]
    # A booking the new plan left out has no visit to mark any more.
    dropped = _move(client, auth, day.visits[1].id or 0, {"status": "in_progress"})
    assert dropped.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "skipped"}, "reason"),
        ({"status": "skipped", "reason": ""}, "reason"),
        ({"status": "planned"}, "status"),
        ({"status": "in_progress", "recorded_at": "yesterday"}, "recorded_at"),
        ({"status": "in_progress", "recorded_at": "2026-11-23T09:00:00"}, "recorded_at"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, auth: Auth, day: Day, body: dict[str, Any], field: str
) -> None:
    response = _move(client, auth, day.visits[0].id or 0, body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_an_out_of_range_visit_id_is_422_not_500(client: TestClient, auth: Auth, day: Day) -> None:
    response = _move(client, auth, 2**63, {"status": "in_progress"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "visit_id"
    assert _move(client, auth, "abc", {"status": "in_progress"}).status_code == 422


def test_a_technician_without_the_role_cannot_move_visits(client: TestClient, auth: Auth, day: Day) -> None:
    response = client.post(
        f"/api/field/visits/{day.visits[0].id}/status", json={"status": "completed"}, headers=auth("planner")
    )
    assert response.status_code == 403


def test_offline_batch_moves_visits_in_order_and_replays_keyed_items(
    client: TestClient, auth: Auth, db: Session, day: Day
) -> None:
    first, second = day.visits[0], day.visits[1]
    key = new_key()
    items = [
        {
            "type": "visit_status",
            "visit_id": first.id,
            "idempotency_key": key,
            "body": {"status": "in_progress"},
        },
        {"type": "visit_status", "visit_id": first.id, "body": {"status": "completed"}},
        {"type": "visit_status", "visit_id": first.id, "body": {"status": "in_progress"}},  # 409
        {"type": "visit_status", "visit_id": second.id, "body": {"status": "skipped"}},  # 422: no reason
        {"type": "visit_status", "visit_id": 999_999_999, "body": {"status": "completed"}},  # 404
    ]
    body = client.post("/api/field/batch", json={"items": items}, headers=auth(CREW)).json()
    assert [r["status_code"] for r in body["results"]] == [200, 200, 409, 422, 404]
    assert body["results"][3]["error"]["field"] == "items.3.body.reason"
    assert body["results"][1]["body"]["status"] == "completed"
    # The keyed item replays whether it comes again in a batch or alone.
    again = client.post("/api/field/batch", json={"items": items[:1]}, headers=auth(CREW)).json()
    assert again["results"][0]["replayed"] is True
    alone = _move(client, auth, first.id or 0, {"status": "in_progress"}, **{"Idempotency-Key": key})
    assert alone.headers.get("Idempotent-Replayed") == "true"
    assert [e.kind for e in _visit_events(db, day.bookings[0])] == ["visit.started", "visit.completed"]
    assert _visit_events(db, day.bookings[1]) == []
