"""Factories for campaign tests: a Ninghai (宁海县) campaign in the small seed world, and booking helpers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dispatch.fleet.models import ServiceStation, Van, VanKind
from dispatch.owners.models import Owner
from seed.world import NINGHAI, offset_point

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINGHAI_SEAT = (29.29042, 121.425003)
DAY_1 = date(2026, 11, 24)
DAY_2 = date(2026, 11, 25)
SERVICES = [
    {"code": "inspection", "name": "安全检测 / Inspection", "duration_min": 20},
    {"code": "maintenance", "name": "保养 / Maintenance", "duration_min": 30},
    {"code": "repair", "name": "小修 / Repair", "duration_min": 45},
    {"code": "ev_check", "name": "电池检测 / EV battery check", "duration_min": 30, "skills": ["ev"]},
]
# Village squares around Ninghai's seat: (name, km north, km east).
GATHERING_POINTS = [
    ("跃龙街道文化广场", 0, 0),
    ("西店镇村民广场", 8, -4),
    ("长街镇文化礼堂", -6, 6),
    ("桥头胡街道晒谷场", 3, 9),
]

CampaignFactory = Callable[..., dict[str, Any]]
_phones = itertools.count(1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware moment at local (Shanghai) wall-clock time, as the API expects in window_start."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def gathering_points() -> list[dict[str, Any]]:
    points = []
    for name, north_km, east_km in GATHERING_POINTS:
        lat, lon = offset_point(*NINGHAI_SEAT, north_km, east_km)
        points.append({"name": name, "lat": lat, "lon": lon})
    return points


def mobile_vans(db: Session) -> list[Van]:
    return list(db.exec(select(Van).where(Van.kind == VanKind.MOBILE_STATION).order_by(col(Van.id))))


def ninghai_owners(db: Session) -> list[Owner]:
    return list(db.exec(select(Owner).where(Owner.county_adcode == NINGHAI).order_by(col(Owner.id))))


@pytest.fixture
def campaign_body(engine: Engine) -> Callable[..., dict[str, Any]]:
    """A valid campaign request; keyword arguments override fields.

    Reads the seeded fleet on a short session of its own: touching the test's rolled-back transaction
    would hold SQLite's write lock and block the tests whose requests commit for real.
    """
    with Session(engine) as own:
        vans = mobile_vans(own)
        host = own.exec(select(ServiceStation).where(ServiceStation.id == vans[0].station_id)).one()

    def build(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "宁海县冬季上门保养活动 / Ninghai winter service days",
            "mode": "door_to_door",
            "county_adcodes": [NINGHAI],
            "start_date": DAY_1.isoformat(),
            "end_date": date(2026, 11, 27).isoformat(),
            "service_days": [DAY_1.isoformat(), DAY_2.isoformat()],
            "host_station_id": host.id,
            "vans": [
                {"van_id": van.id, "shift_start": "07:00", "shift_end": "19:00", "lunch_minutes": 45}
                for van in vans
            ],
            "services": SERVICES,
            "gathering_points": gathering_points(),
            "daily_capacity": 40,
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def create_campaign(
    client: TestClient, auth: Callable[[str], dict[str, str]], campaign_body: Callable[..., dict[str, Any]]
) -> CampaignFactory:
    def create(**overrides: Any) -> dict[str, Any]:
        response = client.post(
            "/api/planner/campaigns", json=campaign_body(**overrides), headers=auth("planner")
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create


def book(
    client: TestClient,
    headers: dict[str, str],
    campaign_id: str,
    *,
    day: date = DAY_1,
    hour: int = 9,
    service_code: str = "maintenance",
    **place: Any,
) -> Any:
    """POST a booking and return the response (callers assert the status)."""
    # A different walk-in caller each time: one owner may hold one booking a day (issue 15 defect 3).
    caller = {} if "owner_id" in place else {"owner_name": "王建国", "phone": f"1380000{next(_phones):04d}"}
    body = {
        **caller,
        "service_code": service_code,
        "service_date": day.isoformat(),
        "window_start": local(day, hour).isoformat(),
        **place,
    }
    return client.post(f"/api/planner/campaigns/{campaign_id}/bookings", json=body, headers=headers)
