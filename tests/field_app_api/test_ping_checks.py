"""Issue 15 defect 7 (a ping at (0, 0) or abroad moves nothing) and item 8 (pings take a datum)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.clock import FrozenClock
from dispatch.fleet.models import Van
from dispatch.tracking.models import GpsPing
from routing.datums import from_wgs84
from tests.field_app_api.conftest import NINGBO

Auth = Callable[[str], dict[str, str]]


def _van(db: Session, van_id: int) -> Van:
    db.expire_all()
    van = db.get(Van, van_id)
    assert van is not None
    return van


@pytest.mark.parametrize("where", [(0.0, 0.0), (48.85, 2.35), (37.57, 126.98)])
def test_a_ping_outside_china_is_rejected_and_counted(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van, where: tuple[float, float]
) -> None:  # type: ignore[no-untyped-def]
    van_id = crew_van("tech003").id
    body = {"lat": where[0], "lon": where[1], "recorded_at": clock.now().isoformat()}
    response = client.post("/api/field/pings", json=body, headers=auth("tech003"))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 0 and response.json()["rejected_outside"] == 1
    assert response.json()["position_updated"] is False
    assert _van(db, van_id).last_lat != where[0]
    assert db.exec(select(GpsPing).where(GpsPing.van_id == van_id)).all() == []


def test_a_batch_goes_on_past_a_ping_outside_china(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    van_id = crew_van("tech003").id
    now = clock.now()
    pings = [
        {"lat": NINGBO[0], "lon": NINGBO[1], "recorded_at": (now - timedelta(minutes=2)).isoformat()},
        {"lat": 0.0, "lon": 0.0, "recorded_at": now.isoformat()},  # newest, yet it must not move the van
    ]
    response = client.post("/api/field/pings", json=pings, headers=auth("tech003"))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1 and response.json()["rejected_outside"] == 1
    van = _van(db, van_id)
    assert (van.last_lat, van.last_lon) == NINGBO
    assert van.last_position_at == now - timedelta(minutes=2)


def test_a_ping_in_gcj02_is_stored_in_wgs84(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, crew_van
) -> None:  # type: ignore[no-untyped-def]
    van_id = crew_van("tech003").id
    lat, lon = from_wgs84(NINGBO[0], NINGBO[1], "gcj02")
    body = {"lat": lat, "lon": lon, "datum": "gcj02", "recorded_at": clock.now().isoformat()}
    response = client.post("/api/field/pings", json=body, headers=auth("tech003"))
    assert response.status_code == 200, response.text
    van = _van(db, van_id)
    assert van.last_lat == pytest.approx(NINGBO[0], abs=1e-6)
    assert van.last_lon == pytest.approx(NINGBO[1], abs=1e-6)
