"""The issue's end-to-end story: an uncovered county → a campaign → 60 bookings over 2 days for 2 vans →
published day plans in which every booking is served inside its window or reported with a reason.

Run with ``-s`` to see the plan quality and the province seed's coverage figures.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from dispatch import schema
from dispatch.campaigns.coverage import coverage_report
from dispatch.campaigns.coverage_table import format_coverage
from dispatch.campaigns.models import Booking, PlanStatus, PlanVisit, RoutePlan
from dispatch.clock import FrozenClock
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world
from tests.dispatch.campaigns.conftest import DAY_1, DAY_2, CampaignFactory, gathering_points, ninghai_owners

Auth = Callable[[str], dict[str, str]]
BOOKINGS_PER_DAY = 30
SERVICE_MIX = ("maintenance", "inspection", "inspection", "maintenance", "inspection", "repair")


def _uncovered_county(client: TestClient, auth: Auth) -> dict[str, Any]:
    coverage = client.get("/api/planner/coverage", headers=auth("planner")).json()
    gaps = [g for g in coverage["service"]["gaps"] if not g["seat_covered"]]
    county: dict[str, Any] = next(g for g in gaps if g["adcode"] == "330226")
    assert county["name"] == "宁海县" and county["nearest_station_km"] > 30
    return county


def _book_day(
    client: TestClient,
    auth: Auth,
    clock: FrozenClock,
    campaign: dict[str, Any],
    day: str,
    villages: slice,
    owners: list[int],
) -> None:
    """Take a day's calls: for each caller, ask for feasible windows and book one (spread over the day).

    Each service day visits two villages' gathering points, as a real tour would.
    """
    points = itertools.cycle(p["name"] for p in campaign["gathering_points"][villages])
    headers = auth("agent")
    for n in range(BOOKINGS_PER_DAY):
        service = SERVICE_MIX[n % len(SERVICE_MIX)]
        point = next(points)
        who: dict[str, Any] = {"owner_id": owners[n]} if n < len(owners) else {}
        options = client.get(
            f"/api/planner/campaigns/{campaign['id']}/availability",
            params={"service_code": service, "gathering_point": point, "service_date": day},
            headers=headers,
        ).json()["days"][0]["windows"]
        feasible = [w for w in options if w["feasible"]]
        assert feasible, f"no feasible window left for booking {n} on {day}"
        window = feasible[n % len(feasible)]
        body = {
            **who,
            "owner_name": None if who else f"车主{n:02d}",
            "phone": None if who else f"139{n:08d}",
            "service_code": service,
            "service_date": day,
            "window_start": window["start"],
            "gathering_point": point,
        }
        body = {k: v for k, v in body.items() if v is not None}
        response = client.post(
            f"/api/planner/campaigns/{campaign['id']}/bookings", json=body, headers=headers
        )
        assert response.status_code == 201, response.text
        clock.advance(90)  # the next call


def _check_published_plan(db: Session, plan: dict[str, Any]) -> None:
    """Every booking is served inside its window by exactly one van, or listed as dropped with a reason."""
    bookings = {
        str(b.id): b
        for b in db.exec(
            select(Booking).where(Booking.service_date == date.fromisoformat(plan["service_date"]))
        )
        if str(b.campaign_id) == plan["campaign_id"]
    }
    served = [v for van in plan["vans"] for v in van["visits"]]
    dropped = {d["booking_id"]: d for d in plan["dropped"]}
    assert len(served) + len(dropped) == len(bookings) == BOOKINGS_PER_DAY
    assert {v["booking_id"] for v in served} | set(dropped) == set(bookings)
    for reason in dropped.values():
        assert reason["reason"] and " / " in reason["message"]
    for visit in served:
        booking = bookings[visit["booking_id"]]
        start = datetime.fromisoformat(visit["start_at"])
        assert booking.window_start <= start <= booking.window_end
        db.refresh(booking)
        assert booking.planned_arrival_at == start
    rows = db.exec(
        select(PlanVisit).where(PlanVisit.plan_id == uuid.UUID(plan["id"])).order_by(col(PlanVisit.van_id))
    ).all()
    assert len(rows) == len(served)
    for van in plan["vans"]:
        assert [v["sequence"] for v in van["visits"]] == list(range(1, len(van["visits"]) + 1))


def test_campaign_for_an_uncovered_county_end_to_end(
    client: TestClient, auth: Auth, create_campaign: CampaignFactory, db: Session, clock: FrozenClock
) -> None:
    county = _uncovered_county(client, auth)
    campaign = create_campaign(
        name=f"{county['name']}流动服务日 / Service days in {county['adcode']}",
        mode="gathering_points",
        county_adcodes=[county["adcode"]],
        gathering_points=gathering_points(),
        daily_capacity=BOOKINGS_PER_DAY,
    )
    assert len(campaign["vans"]) == 2
    invitations = client.get(
        f"/api/planner/campaigns/{campaign['id']}/invitations", headers=auth("agent")
    ).json()
    ratios = [row["overdue_ratio"] for row in invitations]
    assert ratios == sorted(ratios, reverse=True) and len(invitations) == len(ninghai_owners(db))
    owners = [row["owner_id"] for row in invitations]

    _book_day(client, auth, clock, campaign, DAY_1.isoformat(), slice(0, 2), owners[:4])
    _book_day(client, auth, clock, campaign, DAY_2.isoformat(), slice(2, 4), owners[4:])

    report = []
    for day in (DAY_1, DAY_2):
        built = client.post(
            f"/api/planner/campaigns/{campaign['id']}/days/{day.isoformat()}/plans",
            json={"time_limit_s": 2},
            headers=auth("planner"),
        )
        assert built.status_code == 201, built.text
        assert built.json()["changes"]["violations"] == []
        published = client.post(f"/api/planner/plans/{built.json()['id']}/publish", headers=auth("planner"))
        assert published.status_code == 200, published.text
        plan = published.json()
        assert plan["status"] == PlanStatus.PUBLISHED
        _check_published_plan(db, plan)
        report.append(plan)
    assert db.exec(select(RoutePlan).where(RoutePlan.status == PlanStatus.PUBLISHED)).all()
    _print_quality(report)


def _print_quality(plans: list[dict[str, Any]]) -> None:
    print("\n日计划质量 / Day plan quality (2 vans, 30 bookings a day, host station in Ningbo):")
    for plan in plans:
        print(
            f"  {plan['service_date']}: served {plan['served']}, dropped {len(plan['dropped'])}, "
            f"{plan['total_km']:.1f} km, driving {plan['total_travel_h']:.2f} h, "
            f"waiting {plan['total_wait_h']:.2f} h, solve {plan['solve_time_s']:.2f} s"
        )
        for van in plan["vans"]:
            print(
                f"    van {van['plate']}: {len(van['visits'])} visits, {van['distance_km']:.1f} km, "
                f"on the road {van['work_h']:.2f} h "
                f"(driving {van['travel_h']:.2f} h, waiting {van['waiting_h']:.2f} h)"
            )


def test_coverage_figures_for_the_province_seed(tmp_path: Path, settings: Settings) -> None:
    """Seed the province world into its own SQLite file and print the coverage table."""
    province = Settings(
        database_url=f"sqlite:///{tmp_path / 'province.db'}",
        secret_key="province-test-secret-key-0000000000000",
        station_service_radius_km=settings.station_service_radius_km,
        rescue_radius_km=settings.rescue_radius_km,
    )
    schema.upgrade(province)
    engine = make_engine(province)
    try:
        with Session(engine) as session:
            load_world(session, build_world("province"), demo_password="x")
            session.commit()
            report = coverage_report(session=session, settings=province)
    finally:
        engine.dispose()
    print("\n" + format_coverage(report, limit=10))
    assert report.service.counties_total == 89 and report.cities_with_station == 11
    assert 0 < report.service.counties_covered < report.service.counties_total
    assert report.rescue.counties_covered_pct >= report.service.counties_covered_pct
    assert "330226" in {g.adcode for g in report.service.gaps if not g.seat_covered}
