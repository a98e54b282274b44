"""The short soak: simulated hours of a small province on SQLite in seconds, through the public API only.

The server runs on a scaled clock in a thread; the simulator's tablets, agents, campaign crew and owners
drive it over HTTP and websockets. A clean run has zero errors of any kind and every invariant holding.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.app import create_app
from dispatch.campaigns.models import Booking, BookingStatus, PlanStatus, PlanVisit, RoutePlan, VisitStatus
from dispatch.clock import ScaledClock
from dispatch.db import make_engine
from dispatch.jobs.models import CLOSED_STATUSES, RescueJob
from dispatch.settings import Settings
from seed.demo.context import Pace
from seed.demo.runner import SETUP_LEAD_S, demo_start, simulated_settings
from seed.demo.server import ServerThread
from seed.demo.simulator import SimConfig, SimResult, run_simulation

SPEED = 900.0
SIMULATED_HOURS = 6.5  # 07:00 to 13:30: the morning peak, the campaign's lunch and its moved booking


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimResult, Settings]:
    from dispatch.cli import seed_database

    base: Path = tmp_path_factory.mktemp("demo")
    settings = Settings(
        database_url=f"sqlite:///{base / 'demo.db'}",
        secret_key="demo-test-secret-key-000000000000000000",
        upload_dir=base / "uploads",
        demo_password="demo-pw-123",
        # At 900x an HTTP round trip costs simulated seconds; give people time to answer as they would.
        offer_timeout_s=1200,
        booking_check_time_limit_s=0.2,
        day_plan_time_limit_s=1.0,
    )
    seed_database(settings, "small", only_if_empty=True)
    start = demo_start(settings)
    anchor = time.time() + SETUP_LEAD_S
    server = ServerThread(
        create_app(simulated_settings(settings, speed=SPEED, start=start, anchor_unix_s=anchor))
    )
    url = server.start()
    config = SimConfig(
        base_url=url,
        clock=ScaledClock(start=start, anchor_unix_s=anchor, speed=SPEED),
        rate_per_hour=6,
        seed=7,
        scale="small",
        duration_s=SIMULATED_HOURS * 3600,
        password=settings.demo_password,
        pace=Pace(ping_every_s=5, min_upload_real_s=0.3),
    )
    try:
        result = asyncio.run(run_simulation(config))
    finally:
        server.stop()
    print(result.report.format_summary(result.violations))
    return result, settings


def test_a_simulated_morning_runs_clean(run: tuple[SimResult, Settings]) -> None:
    result, _ = run
    assert result.report.errors == {}, result.report.format_summary()
    assert result.violations == []
    counts = result.report.counts
    assert counts["calls"] >= 10 and counts["offers_accepted"] >= 3
    assert counts["pings"] > 100 and counts["jobs_completed"] >= 1
    assert result.summary["arrivals"] >= 1 and result.summary["call_to_arrival_p50_min"] is not None


def test_the_campaign_day_runs_its_plan_and_follows_a_change(run: tuple[SimResult, Settings]) -> None:
    counts = run[0].report.counts
    assert counts["bookings"] >= 5 and counts["visits_done"] >= 2
    assert counts["bookings_moved"] == 1 and counts["plans_published"] == 2
    assert counts["lunch_breaks"] == 1
    # The crew marks each visit started on arrival and completed after the service, on the published plan.
    assert counts["visits_started"] == counts["visits_done"] and counts["visits_completed"] >= 2
    engine = make_engine(run[1])
    try:
        with Session(engine) as session:
            published = select(RoutePlan.id).where(RoutePlan.status == PlanStatus.PUBLISHED)
            visits = session.exec(select(PlanVisit).where(col(PlanVisit.plan_id).in_(published))).all()
            served = session.exec(select(Booking).where(Booking.status == BookingStatus.SERVED)).all()
    finally:
        engine.dispose()
    done = [v for v in visits if v.status == VisitStatus.COMPLETED]
    assert len(done) == len(served) == counts["visits_completed"]
    assert {v.booking_id for v in done} == {b.id for b in served}


def test_the_database_agrees_with_what_the_clients_saw(run: tuple[SimResult, Settings]) -> None:
    result, settings = run
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            jobs = session.exec(select(RescueJob)).all()
            holders = session.exec(
                select(RescueJob.van_id, func.count())
                .where(col(RescueJob.van_id).is_not(None), col(RescueJob.status).not_in(CLOSED_STATUSES))
                .group_by(col(RescueJob.van_id))
            ).all()
    finally:
        engine.dispose()
    assert len(jobs) == result.report.counts["calls"]
    assert all(n == 1 for _, n in holders)
    closed = {j.id for j in jobs if j.status in CLOSED_STATUSES}
    assert len(closed) == result.summary["jobs_closed"]
