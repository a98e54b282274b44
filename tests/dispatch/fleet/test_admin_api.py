"""Admins create, edit and retire stations, vans, crews and shifts; retired things stay, and stop working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.clock import FrozenClock
from dispatch.fleet.models import Van
from dispatch.jobs.matching import search_candidates
from dispatch.settings import Settings
from tests.dispatch.jobs.conftest import NINGBO_DAY_EV_TOW, insert_job

Auth = Callable[[str], dict[str, str]]
NINGHAI_STATION = {
    "code": "NH-09",
    "name": "宁海测试服务站",
    "star_rating": 4,
    "lat": 29.29,
    "lon": 121.43,
    "address": "宁海县跃龙街道1号",
    "county_adcode": "330226",
}


def _create(client: TestClient, auth: Auth, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/fleet/{path}", json=body, headers=auth("admin"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _new_van(client: TestClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    station = _create(client, auth, "stations", NINGHAI_STATION)
    van = {
        "plate": "浙 b ｒ７７０１",
        "kind": "rescue",
        "station_id": station["id"],
        "capabilities": ["light_repair", "tow"],
        "shift_start": "08:00",
        "shift_end": "20:00",
    }
    return _create(client, auth, "vans", van | overrides)


def test_an_admin_builds_a_station_van_and_crew(client: TestClient, auth: Auth) -> None:
    van = _new_van(client, auth)
    assert van["plate"] == "浙BR7701", "spaces, case and full-width characters are normalised"
    station = client.get("/api/fleet/stations?city_adcode=330200", headers=auth("agent")).json()
    assert "NH-09" in {s["code"] for s in station}
    tech = _create(
        client, auth, "technicians", {"name": "冯大力", "phone": "13900009999", "van_id": van["id"]}
    )
    crew = client.get(f"/api/fleet/technicians?van_id={van['id']}", headers=auth("planner")).json()
    assert [t["name"] for t in crew] == ["冯大力"]

    edited = client.patch(
        f"/api/fleet/vans/{van['id']}",
        json={"capabilities": ["light_repair", "ev"], "status": "off_duty"},
        headers=auth("admin"),
    )
    assert edited.status_code == 200 and edited.json()["status"] == "off_duty"
    shift = client.put(
        f"/api/fleet/vans/{van['id']}/shift",
        json={"shift_start": "20:00", "shift_end": "08:00"},
        headers=auth("admin"),
    )
    assert shift.json()["shift_start"] == "20:00:00"
    moved = client.patch(f"/api/fleet/technicians/{tech['id']}", json={"van_id": None}, headers=auth("admin"))
    assert moved.json()["van_id"] is None


def test_fleet_writes_are_for_admins_only(client: TestClient, auth: Auth) -> None:
    for user in ("agent", "planner"):
        assert client.post("/api/fleet/stations", json=NINGHAI_STATION, headers=auth(user)).status_code == 403
        assert client.post("/api/fleet/vans/1/retire", headers=auth(user)).status_code == 403


def test_bad_input_is_a_422_naming_the_field(client: TestClient, auth: Auth) -> None:
    bad_county = client.post(
        "/api/fleet/stations", json=NINGHAI_STATION | {"county_adcode": "990001"}, headers=auth("admin")
    )
    assert bad_county.status_code == 422 and bad_county.json()["error"]["field"] == "county_adcode"
    huge = client.patch(f"/api/fleet/vans/{2**63}", json={"name": "x"}, headers=auth("admin"))
    assert huge.status_code == 422 and huge.json()["error"]["field"] == "van_id"
    assert (
        client.patch("/api/fleet/vans/999999", json={"name": "x"}, headers=auth("admin")).status_code == 404
    )
    van = _new_van(client, auth)
    busy = client.patch(f"/api/fleet/vans/{van['id']}", json={"status": "busy"}, headers=auth("admin"))
    assert busy.status_code == 422 and busy.json()["error"]["field"] == "status"
    taken = client.post("/api/fleet/stations", json=NINGHAI_STATION, headers=auth("admin"))
    assert taken.status_code == 409


def test_a_retired_van_is_kept_but_never_matched_or_edited(
    client: TestClient, auth: Auth, db: Session, clock: FrozenClock, settings: Settings
) -> None:
    job = insert_job(db, clock.now())
    van = db.exec(select(Van).where(Van.plate == NINGBO_DAY_EV_TOW)).one()
    before = {
        c.plate for c in search_candidates(session=db, job=job, now=clock.now(), settings=settings).candidates
    }
    assert NINGBO_DAY_EV_TOW in before

    retired = client.post(f"/api/fleet/vans/{van.id}/retire", headers=auth("admin"))
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired" and retired.json()["retired_at"] is not None
    after = {
        c.plate for c in search_candidates(session=db, job=job, now=clock.now(), settings=settings).candidates
    }
    assert after == before - {NINGBO_DAY_EV_TOW}
    assert client.get(f"/api/fleet/vans/{van.id}", headers=auth("agent")).status_code == 200, (
        "kept for history"
    )
    edit = client.patch(f"/api/fleet/vans/{van.id}", json={"name": "复活"}, headers=auth("admin"))
    assert edit.status_code == 409
    offered = client.post(
        f"/api/call-center/jobs/{job.id}/dispatch",
        json={"van_id": van.id, "reason": "熟悉路线"},
        headers=auth("agent"),
    )
    assert offered.status_code in (409, 422)


def test_a_station_with_active_vans_cannot_be_retired(client: TestClient, auth: Auth) -> None:
    van = _new_van(client, auth)
    station_id = van["station_id"]
    refused = client.post(f"/api/fleet/stations/{station_id}/retire", headers=auth("admin"))
    assert refused.status_code == 409 and refused.json()["error"]["details"]["plates"] == ["浙BR7701"]
    client.post(f"/api/fleet/vans/{van['id']}/retire", headers=auth("admin"))
    retired = client.post(f"/api/fleet/stations/{station_id}/retire", headers=auth("admin"))
    assert retired.status_code == 200 and retired.json()["retired_at"] is not None
    new_van = client.post(
        "/api/fleet/vans",
        json={
            "plate": "浙BR7702",
            "kind": "rescue",
            "station_id": station_id,
            "shift_start": "08:00",
            "shift_end": "20:00",
        },
        headers=auth("admin"),
    )
    assert new_van.status_code == 422 and new_van.json()["error"]["field"] == "station_id"


def test_a_retired_technician_can_no_longer_sign_in(client: TestClient, auth: Auth, db: Session) -> None:
    user = db.exec(select(User).where(User.username == "tech001")).one()
    headers = auth("tech001")
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    retired = client.post(f"/api/fleet/technicians/{user.technician_id}/retire", headers=auth("admin"))
    assert retired.status_code == 200
    assert retired.json()["is_active"] is False and retired.json()["van_id"] is None
    db.refresh(user)
    assert user.is_active is False
    listed = client.get("/api/fleet/technicians?include_retired=true", headers=auth("admin")).json()
    assert user.technician_id in {t["id"] for t in listed}
    assert user.technician_id not in {
        t["id"] for t in client.get("/api/fleet/technicians", headers=auth("admin")).json()
    }
