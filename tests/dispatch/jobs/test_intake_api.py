"""Intake through the call-center API: locations in every datum, addresses, bad input, duplicate calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from routing.datums import from_wgs84
from tests.dispatch.jobs.conftest import NINGBO

Auth = Callable[[str], dict[str, str]]
JOBS = "/api/call-center/jobs"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "caller_name": "王先生",
        "caller_phone": "13812345678",
        "vehicle": {"plate": "浙B12345", "model": "远航 S7", "powertrain": "ice"},
        "fault_category": "flat_tyre",
        "fault_description": "右前轮扎钉",
        "location": {"lat": NINGBO[0], "lon": NINGBO[1], "datum": "wgs84"},
    }
    data.update(overrides)
    return data


def test_create_returns_the_job_its_tracking_link_and_ranked_vans(client: TestClient, auth: Auth) -> None:
    response = client.post(JOBS, json=body(), headers=auth("agent"))
    assert response.status_code == 201, response.text
    created = response.json()
    job = created["job"]
    assert job["status"] == "created" and job["reference"].startswith("RJ-")
    assert job["city_adcode"] == "330200" and job["county_adcode"] == "330203"
    assert job["geocode_precision"] == "exact" and job["created_by"] == "agent"
    assert created["tracking_token"] and created["tracking_url"].endswith(created["tracking_token"])
    ranked = created["candidates"]["candidates"]
    assert [c["rank"] for c in ranked] == list(range(1, len(ranked) + 1))
    assert [c["eta_s"] for c in ranked] == sorted(c["eta_s"] for c in ranked)
    assert all(c["distance_km"] > 0 and c["home_station_km"] <= 150 for c in ranked)
    # By reference or by id, and listed.
    by_ref = client.get(f"{JOBS}/{job['reference']}", headers=auth("agent")).json()
    assert by_ref["id"] == job["id"]
    assert client.get(f"{JOBS}/{job['id']}", headers=auth("agent")).json()["reference"] == job["reference"]
    listed = client.get(JOBS, params={"city_adcode": "330200"}, headers=auth("agent")).json()
    assert job["id"] in [j["id"] for j in listed]


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_chinese_map_datums_are_stored_as_wgs84(client: TestClient, auth: Auth, datum: str) -> None:
    lat, lon = from_wgs84(NINGBO[0], NINGBO[1], datum)
    location = {"lat": lat, "lon": lon, "datum": datum}
    job = client.post(JOBS, json=body(location=location), headers=auth("agent")).json()["job"]
    assert job["lat"] == pytest.approx(NINGBO[0], abs=1e-6)
    assert job["lon"] == pytest.approx(NINGBO[1], abs=1e-6)
    assert (job["reported_lat"], job["reported_lon"]) == (lat, lon)
    assert job["location_source"] == datum


def test_an_address_is_geocoded_to_its_county(client: TestClient, auth: Auth) -> None:
    location = {"address": "浙江省宁波市宁海县跃龙街道人民大道1号"}
    job = client.post(JOBS, json=body(location=location), headers=auth("agent")).json()["job"]
    assert job["county_adcode"] == "330226" and job["city_adcode"] == "330200"
    assert job["geocode_precision"] == "county" and job["location_source"] == "address"
    assert job["province_name"] == "浙江省"
    assert job["lat"] == pytest.approx(29.29, abs=0.05) and job["lon"] == pytest.approx(121.43, abs=0.05)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"location": {"lat": 95.0, "lon": 121.5}}, "location.lat"),
        ({"location": {"lat": 29.8, "lon": 190.0}}, "location.lon"),
        ({"location": {"lat": 35.68, "lon": 139.69}}, "location"),  # Tokyo
        ({"location": {"lat": 29.8}}, "location.lon"),
        ({"location": {"address": "火星基地一号"}}, "location.address"),
        ({"location": {"address": "浙江省"}}, "location.address"),
        ({"location": {}}, "location"),
        ({"fault_category": "engine_on_fire"}, "fault_category"),
        ({"vehicle": {"model": "远航 S7", "powertrain": "ice"}}, "vehicle.plate"),
        ({"vehicle": {"plate": "浙B99999"}}, "vehicle.powertrain"),
        ({"vehicle": {"vin": "123", "powertrain": "ev"}}, "vehicle.vin"),
        ({"caller_phone": "call me"}, "caller_phone"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, auth: Auth, overrides: dict[str, Any], field: str
) -> None:
    response = client.post(JOBS, json=body(**overrides), headers=auth("agent"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_a_second_call_for_the_same_vehicle_returns_the_open_job(client: TestClient, auth: Auth) -> None:
    first = client.post(JOBS, json=body(), headers=auth("agent")).json()["job"]
    again = client.post(JOBS, json=body(caller_name="王太太"), headers=auth("agent2"))
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate_open_job"
    assert error["details"]["reference"] == first["reference"]
    assert first["reference"] in error["message"]
    # Once the job is closed, the vehicle can call again.
    cancel = client.post(
        f"{JOBS}/{first['reference']}/cancel", json={"reason": "误报"}, headers=auth("agent")
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert client.post(JOBS, json=body(), headers=auth("agent")).status_code == 201


def test_a_known_vehicle_is_recognised_by_vin_and_plate(client: TestClient, auth: Auth) -> None:
    vehicle = {"plate": "浙J06479"}  # seeded: 远航 S7, ICE
    job = client.post(JOBS, json=body(vehicle=vehicle), headers=auth("agent")).json()["job"]
    assert job["vehicle_vin"] == "LYHS0Z5CJSM35A9XZ" and job["powertrain"] == "ice"
    by_vin = {"vin": "LYHS0Z5CJSM35A9XZ"}
    again = client.post(JOBS, json=body(vehicle=by_vin), headers=auth("agent"))
    assert again.status_code == 409


def test_priority_reasons_raise_the_priority(client: TestClient, auth: Auth) -> None:
    job = client.post(
        JOBS, json=body(priority_reasons=["highway", "children_on_board"]), headers=auth("agent")
    ).json()["job"]
    assert job["priority"] == "high" and job["priority_reasons"] == ["highway", "children_on_board"]


def test_only_agents_create_jobs(client: TestClient, auth: Auth) -> None:
    assert client.post(JOBS, json=body(), headers=auth("tech001")).status_code == 403
    assert client.get(f"{JOBS}/RJ-000000-XXXXX", headers=auth("agent")).status_code == 404


def test_a_reference_already_taken_is_drawn_again(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.post(JOBS, json=body(), headers=auth("agent")).json()["job"]
    draws = iter([first["reference"], first["reference"], "RJ-261123-FRESH"])
    monkeypatch.setattr("dispatch.jobs.intake.public_reference", lambda prefix, at: next(draws))
    second_body = body(vehicle={"plate": "浙B99999", "powertrain": "ev"})
    response = client.post(JOBS, json=second_body, headers=auth("agent"))
    assert response.status_code == 201, response.text
    assert response.json()["job"]["reference"] == "RJ-261123-FRESH"
    # The clash left nothing half-written: both jobs, one tracking link each.
    for reference in (first["reference"], "RJ-261123-FRESH"):
        assert client.get(f"{JOBS}/{reference}", headers=auth("agent")).status_code == 200
