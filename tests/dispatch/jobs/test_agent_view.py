"""What an agent sees on a job (issue 15): the van with plate and crew, the pending offer, the address;
search by phone, plate or reference with a total; why auto-dispatch offered nobody; coordinates that
disagree with the address (defect 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.fleet.models import Technician, Van
from tests.dispatch.jobs.conftest import NINGBO, NINGBO_DAY_TOW
from tests.dispatch.jobs.test_intake_api import JOBS, body

Auth = Callable[[str], dict[str, str]]
HANGZHOU = (30.2741, 120.1551)  # West Lake


def _create(client: TestClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    response = client.post(JOBS, json=body(**overrides), headers=auth("agent"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_dispatched_job_shows_the_offer_then_the_van_with_its_crew(
    client: TestClient, auth: Auth, db: Session, van_id: Callable[[str], int]
) -> None:
    job = _create(client, auth)["job"]
    assert job["van"] is None and job["offer"] is None
    picked = van_id(NINGBO_DAY_TOW)
    dispatched = client.post(
        f"{JOBS}/{job['id']}/dispatch", json={"van_id": picked, "reason": "熟悉路况"}, headers=auth("agent")
    )
    assert dispatched.status_code == 200, dispatched.text
    offer = dispatched.json()["offer"]
    crew = db.exec(select(Technician).where(Technician.van_id == picked, Technician.is_active)).all()
    assert offer["plate"] == NINGBO_DAY_TOW
    assert offer["crew"] == [{"name": t.name, "phone": t.phone} for t in crew] and crew
    seen = client.get(f"{JOBS}/{job['reference']}", headers=auth("agent")).json()
    assert seen["offer"] == {
        "id": offer["id"],
        "van_id": picked,
        "plate": NINGBO_DAY_TOW,
        "expires_at": offer["expires_at"],
    }
    van = db.get(Van, picked)
    assert van is not None
    assert seen["van"]["plate"] == NINGBO_DAY_TOW and seen["van"]["station_id"] == van.station_id
    assert seen["van"]["station_name"] and seen["van"]["crew"] == offer["crew"]


def test_a_job_from_coordinates_gets_the_address_of_its_division(client: TestClient, auth: Auth) -> None:
    job = _create(client, auth, location={"lat": NINGBO[0], "lon": NINGBO[1]})["job"]
    assert job["address"] == "浙江省宁波市海曙区附近"
    assert job["address_source"] == "division" and job["location_used"] == "coordinates"


def test_coordinates_and_an_address_that_agree_are_quiet(client: TestClient, auth: Auth) -> None:
    location = {"lat": NINGBO[0], "lon": NINGBO[1], "address": "浙江省宁波市海曙区中山西路1号"}
    job = _create(client, auth, location=location)["job"]
    assert job["location_conflict_km"] is None and job["needs_attention"] is False
    assert job["address"] == "浙江省宁波市海曙区中山西路1号" and job["address_source"] == "caller"


def test_coordinates_and_an_address_that_disagree_are_flagged(client: TestClient, auth: Auth) -> None:
    location = {"lat": HANGZHOU[0], "lon": HANGZHOU[1], "address": "温州市鹿城区五马街"}
    job = _create(client, auth, location=location)["job"]
    assert job["location_used"] == "coordinates" and job["city_adcode"] == "330100"
    assert job["location_conflict_km"] > 250
    assert job["needs_attention"] is True and "鹿城区" in job["attention_reason"]


def test_search_by_phone_plate_or_reference_with_a_total(client: TestClient, auth: Auth) -> None:
    first = _create(
        client, auth, caller_phone="13955551234", vehicle={"plate": "浙B55501", "powertrain": "ice"}
    )
    _create(client, auth, caller_phone="13955559999", vehicle={"plate": "浙B55502", "powertrain": "ice"})
    reference = first["job"]["reference"]

    def found(q: str) -> tuple[list[str], str]:
        response = client.get(JOBS, params={"q": q}, headers=auth("agent"))
        assert response.status_code == 200, response.text
        return [j["reference"] for j in response.json()], response.headers["X-Total-Count"]

    assert found("5551234") == ([reference], "1")
    assert found("浙 b55501") == ([reference], "1")
    assert found(reference.lower()) == ([reference], "1")
    assert found("1395555")[1] == "2"
    paged = client.get(JOBS, params={"q": "1395555", "limit": 1}, headers=auth("agent"))
    assert len(paged.json()) == 1 and paged.headers["X-Total-Count"] == "2"


def test_auto_dispatch_that_offers_nobody_says_why(client: TestClient, auth: Auth) -> None:
    far_west = {"lat": 39.4677, "lon": 75.9938}  # Kashgar: no station within 150 km in the small world
    created = _create(client, auth, location=far_west, auto_dispatch=True)
    assert created["offer"] is None
    assert "150" in created["offer_skipped_reason"] and "No qualifying van" in created["offer_skipped_reason"]


@pytest.mark.parametrize("q", ["x", "y" * 41])
def test_search_terms_too_short_or_long_are_422(client: TestClient, auth: Auth, q: str) -> None:
    response = client.get(JOBS, params={"q": q}, headers=auth("agent"))
    assert response.status_code == 422 and response.json()["error"]["field"] == "q"
