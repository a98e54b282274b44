"""The crew's two tablets start the same visit at once: one change, one event, both answered alike.

Needs real commits seen by another connection, so it runs on PostgreSQL and cleans up after itself.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from dispatch.campaigns.models import (
    Booking,
    Campaign,
    CampaignMode,
    PlanStatus,
    PlanVisit,
    RoutePlan,
    VisitStatus,
)
from dispatch.campaigns.visits import change_visit_status, published_visit
from dispatch.clock import FrozenClock
from dispatch.events.models import Event
from dispatch.fleet.models import ServiceStation, Van
from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not is_postgres(), reason="needs concurrent writers (PostgreSQL)"),
]


@pytest.fixture
def visit_id(engine: Engine, clock: FrozenClock) -> Iterator[int]:
    """A visit on a published plan, committed for real; removed afterwards with what it led to."""
    now = clock.now()
    with Session(engine) as session:
        station_id = session.exec(select(ServiceStation.id)).first()
        van_id = session.exec(select(Van.id)).first()
        assert station_id is not None and van_id is not None
        campaign = Campaign(
            reference=f"CP-RACE-{uuid.uuid4().hex[:6]}",
            name="并发测试 / race",
            mode=CampaignMode.DOOR_TO_DOOR,
            county_adcodes=["330226"],
            start_date=now.date(),
            end_date=now.date(),
            host_station_id=station_id,
            daily_capacity=5,
            created_by="test",
        )
        plan = RoutePlan(
            campaign_id=campaign.id, service_date=now.date(), status=PlanStatus.PUBLISHED, created_by="test"
        )
        booking = Booking(
            reference=f"BK-RACE-{uuid.uuid4().hex[:6]}",
            campaign_id=campaign.id,
            service_date=now.date(),
            owner_name="赵六",
            phone="13900000009",
            service_code="maintenance",
            duration_min=30,
            lat=29.29,
            lon=121.43,
            window_start=now,
            window_end=now + timedelta(hours=2),
            created_by="test",
        )
        session.add(campaign)
        session.flush()
        session.add_all([plan, booking])
        session.flush()
        visit = PlanVisit(
            plan_id=plan.id,
            van_id=van_id,
            sequence=1,
            booking_id=booking.id,
            arrival_at=now,
            start_at=now,
            departure_at=now + timedelta(minutes=30),
        )
        session.add(visit)
        session.commit()
        ids = (visit.id, booking.id, plan.id, campaign.id)
    assert ids[0] is not None
    yield ids[0]
    with Session(engine) as session:
        session.execute(delete(Event).where(col(Event.booking_id) == ids[1]))
        session.execute(delete(PlanVisit).where(col(PlanVisit.id) == ids[0]))
        session.execute(delete(Booking).where(col(Booking.id) == ids[1]))
        session.execute(delete(RoutePlan).where(col(RoutePlan.id) == ids[2]))
        session.execute(delete(Campaign).where(col(Campaign.id) == ids[3]))
        session.commit()


def test_two_tablets_starting_one_visit_change_it_once(
    engine: Engine, clock: FrozenClock, visit_id: int
) -> None:
    start = threading.Barrier(2)
    answers: list[str] = []
    errors: list[BaseException] = []

    def tablet(name: str) -> None:
        try:
            with Session(engine) as session:
                start.wait()
                visit = published_visit(session=session, visit_id=visit_id)
                change_visit_status(
                    session=session,
                    visit=visit,
                    to_status=VisitStatus.IN_PROGRESS,
                    actor=name,
                    now=clock.now(),
                )
                session.commit()
                answers.append(str(visit.status))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=tablet, args=(f"tech00{n}",)) for n in (7, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert answers == ["in_progress", "in_progress"]
    with Session(engine) as session:
        started = session.exec(
            select(Event).where(
                Event.kind == "visit.started", Event.data["visit_id"].as_integer() == visit_id
            )
        ).all()
    assert len(started) == 1
