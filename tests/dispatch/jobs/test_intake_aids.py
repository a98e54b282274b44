"""Look-ups an agent makes while taking a call: a known vehicle, where a location lands, city names."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from routing.datums import wgs84_to_gcj02

Auth = Callable[[str], dict[str, str]]
API = "/api/call-center"
SEEDED_PLATE, SEEDED_VIN = "浙J06479", "LYHS0Z5CJSM35A9XZ"  # seeded: 远航 S7, ICE


@pytest.mark.parametrize("query", [{"plate": "浙 j06479"}, {"vin": SEEDED_VIN.lower()}])
def test_a_known_vehicle_by_plate_or_vin(client: TestClient, auth: Auth, query: dict[str, str]) -> None:
    response = client.get(f"{API}/vehicles", params=query, headers=auth("agent"))
    assert response.status_code == 200, response.text
    [vehicle] = response.json()
    assert vehicle["plate"] == SEEDED_PLATE and vehicle["vin"] == SEEDED_VIN
    assert vehicle["model"] == "远航 S7" and vehicle["powertrain"] == "ice"
    assert response.headers["X-Total-Count"] == "1"


def test_an_unknown_vehicle_is_an_empty_list(client: TestClient, auth: Auth) -> None:
    response = client.get(f"{API}/vehicles", params={"plate": "浙Z99999"}, headers=auth("agent"))
    assert response.status_code == 200 and response.json() == []
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("query", "field"), [({}, "plate"), ({"vin": "NOT-A-VIN"}, "vin"), ({"plate": "浙A"}, "plate")]
)
def test_a_vehicle_look_up_needs_a_valid_plate_or_vin(
    client: TestClient, auth: Auth, query: dict[str, str], field: str
) -> None:
    response = client.get(f"{API}/vehicles", params=query, headers=auth("agent"))
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_vehicle_look_up_is_for_agents(client: TestClient, auth: Auth) -> None:
    assert client.get(f"{API}/vehicles", params={"plate": SEEDED_PLATE}).status_code == 401
    assert (
        client.get(f"{API}/vehicles", params={"plate": SEEDED_PLATE}, headers=auth("tech001")).status_code
        == 403
    )


def test_an_address_previews_its_county_and_precision(client: TestClient, auth: Auth) -> None:
    location = {"address": "浙江省宁波市宁海县跃龙街道人民大道1号"}
    response = client.post(f"{API}/geocode", json={"location": location}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    place = response.json()
    assert place["precision"] == "county" and place["source"] == "address"
    assert place["county_adcode"] == "330226" and place["county_name"] == "宁海县"
    assert place["city_adcode"] == "330200" and place["city_name"] == "宁波市"
    assert place["province_name"] == "浙江省"
    assert 29.2 < place["lat"] < 29.4 and 121.3 < place["lon"] < 121.5


def test_gcj02_coordinates_preview_as_wgs84(client: TestClient, auth: Auth) -> None:
    lat, lon = 29.8683, 121.5440  # Haishu, Ningbo (WGS-84)
    gcj_lat, gcj_lon = wgs84_to_gcj02(lat, lon)
    location = {"lat": gcj_lat, "lon": gcj_lon, "datum": "gcj02"}
    response = client.post(f"{API}/geocode", json={"location": location}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    place = response.json()
    assert place["precision"] == "exact" and place["source"] == "gcj02"
    assert abs(place["lat"] - lat) < 1e-4 and abs(place["lon"] - lon) < 1e-4
    assert place["city_name"] == "宁波市" and place["county_adcode"] == "330203"


def test_nothing_is_created_by_a_preview(client: TestClient, auth: Auth) -> None:
    before = client.get(f"{API}/jobs", headers=auth("agent")).headers["X-Total-Count"]
    location = {"address": "浙江省宁波市宁海县"}
    assert (
        client.post(f"{API}/geocode", json={"location": location}, headers=auth("agent")).status_code == 200
    )
    assert client.get(f"{API}/jobs", headers=auth("agent")).headers["X-Total-Count"] == before


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"address": "火星基地"}, "location.address"),
        ({"lat": 95, "lon": 120}, "location.lat"),
        ({"lat": 30.0}, "location.lon"),
        ({"lat": 48.85, "lon": 2.35}, "location"),  # Paris
        ({}, "location"),
    ],
)
def test_a_location_that_cannot_be_placed_is_422_naming_the_field(
    client: TestClient, auth: Auth, location: dict[str, object], field: str
) -> None:
    response = client.post(f"{API}/geocode", json={"location": location}, headers=auth("agent"))
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_prefecture_cities_with_names(client: TestClient, auth: Auth) -> None:
    response = client.get(f"{API}/cities", params={"province": "33"}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    cities = {c["adcode"]: c for c in response.json()}
    assert len(cities) == 11 and response.headers["X-Total-Count"] == "11"  # Zhejiang's 11 cities
    assert cities["330200"] == {"adcode": "330200", "name": "宁波市", "province_name": "浙江省"}
    everywhere = client.get(f"{API}/cities", headers=auth("planner")).json()
    beijing = next(c for c in everywhere if c["adcode"] == "110000")
    assert beijing["name"] == "北京市" and len(everywhere) > 300


def test_a_bad_province_code_is_422(client: TestClient, auth: Auth) -> None:
    response = client.get(f"{API}/cities", params={"province": "浙江"}, headers=auth("agent"))
    assert response.status_code == 422 and response.json()["error"]["field"] == "province"
