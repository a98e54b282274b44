"""Today's plan: the published route plan's visits for the crew's van, in order, local service day."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.campaigns.models import (
    Booking,
    Campaign,
    PlanStatus,
    PlanVisit,
    RoutePlan,
)
from dispatch.campaigns.todays_plan import service_date_at, todays_visits
from dispatch.clock import FrozenClock
from tests.field_app_api.conftest import one_day_campaign, van_of

Auth = Callable[[str], dict[str, str]]
MOBILE_CREW = "tech007"  # tech007 and tech008 crew the first mobile service station


def _plan(db: Session, campaign: Campaign, day: date, status: PlanStatus, version: int) -> RoutePlan:
    plan = RoutePlan(
        campaign_id=campaign.id, service_date=day, version=version, status=status, created_by="planner"
    )
    db.add(plan)
    db.flush()
    return plan


def _visit(db: Session, plan: RoutePlan, van_id: int, sequence: int, arrival: datetime, name: str) -> None:
    booking = Booking(
        reference=f"BK-{uuid.uuid4().hex[:8]}",
        campaign_id=plan.campaign_id,
        service_date=plan.service_date,
        owner_name=name,
        phone="13900000000",
        service_code="maintenance",
        duration_min=45,
        lat=29.29,
        lon=121.43,
        address="宁海县跃龙街道",
        window_start=arrival - timedelta(minutes=30),
        window_end=arrival + timedelta(hours=1),
        created_by="planner",
    )
    db.add(booking)
    db.flush()
    db.add(
        PlanVisit(
            plan_id=plan.id,
            van_id=van_id,
            sequence=sequence,
            booking_id=booking.id,
            arrival_at=arrival,
            start_at=arrival,
            departure_at=arrival + timedelta(minutes=45),
        )
    )
    db.flush()


def test_todays_plan_lists_the_published_visits_in_order(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    van_id = van_of(db, MOBILE_CREW).id
    assert van_id is not None
    today = service_date_at(clock.now())
    campaign = one_day_campaign(db, today, "宁海乡村服务周 / Ninghai service week")
    draft = _plan(db, campaign, today, PlanStatus.DRAFT, version=2)
    published = _plan(db, campaign, today, PlanStatus.PUBLISHED, version=1)
    morning = clock.now()
    _visit(db, published, van_id, 2, morning + timedelta(hours=2), "李四")
    _visit(db, published, van_id, 1, morning + timedelta(hours=1), "张三")
    _visit(db, draft, van_id, 1, morning, "草稿 / draft only")
    _visit(db, published, van_of(db, "tech009").id or 0, 1, morning, "另一辆车 / other van")
    db.commit()

    body = client.get("/api/field/plan/today", headers=auth(MOBILE_CREW)).json()
    assert body["service_date"] == today.isoformat()
    van = van_of(db, MOBILE_CREW)
    assert body["plate"] == van.plate and len(body["crew"]) >= 1 and body["crew"][0]["phone"]
    assert [s["owner_name"] for s in body["stops"]] == ["张三", "李四"]
    assert [s["sequence"] for s in body["stops"]] == [1, 2]
    assert body["stops"][0]["status"] == "planned"
    assert body["stops"][0]["window_start"] is not None
    assert client.get("/api/field/plan/today", headers=auth("tech008")).json()["stops"] == body["stops"]


def test_no_campaign_means_an_empty_plan(client: TestClient, auth: Auth) -> None:
    body = client.get("/api/field/plan/today", headers=auth("tech001")).json()
    assert body["stops"] == []


def test_service_day_is_the_shanghai_date(db: Session) -> None:
    late_evening_utc = datetime.fromisoformat("2026-11-23T17:00:00+00:00")  # 01:00 on the 24th in Shanghai
    assert service_date_at(late_evening_utc) == date(2026, 11, 24)
    assert todays_visits(session=db, van_id=1, service_date=date(2026, 11, 24)) == []


def test_the_crew_sees_when_the_plan_puts_their_lunch_and_when_each_service_starts(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock
) -> None:
    """A van may reach a stop early and wait for its window; the plan can put lunch in that wait, so the
    crew needs the lunch and each service start, not only the arrival."""
    van_id = van_of(db, MOBILE_CREW).id
    assert van_id is not None
    today = service_date_at(clock.now())
    published = _plan(
        db,
        one_day_campaign(db, today, "宁海乡村服务周 / Ninghai service week"),
        today,
        PlanStatus.PUBLISHED,
        version=1,
    )
    arrival = clock.now() + timedelta(hours=1)
    _visit(db, published, van_id, 1, arrival, "张三")
    visit = db.exec(select(PlanVisit).where(PlanVisit.plan_id == published.id)).one()
    visit.start_at = arrival + timedelta(minutes=50)  # waits for the window, lunch in between
    visit.departure_at = visit.start_at + timedelta(minutes=45)
    lunch_at = arrival + timedelta(minutes=5)
    published.changes = {
        "vans": [{"van_id": van_id, "lunch_start_at": lunch_at.isoformat(), "lunch_minutes": 45}]
    }
    db.add_all([visit, published])
    db.commit()

    body = client.get("/api/field/plan/today", headers=auth(MOBILE_CREW)).json()
    assert datetime.fromisoformat(body["lunch_start_at"]) == lunch_at and body["lunch_minutes"] == 45
    stop = body["stops"][0]
    assert datetime.fromisoformat(stop["planned_start_at"]) == arrival + timedelta(minutes=50)
    other = client.get("/api/field/plan/today", headers=auth("tech001")).json()
    assert other["lunch_start_at"] is None and other["lunch_minutes"] is None
