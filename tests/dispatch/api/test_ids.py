"""Issue 15 defect 4: an id or offset of 2^63 or more is a 422 naming the field, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dispatch.api.ids import ROW_ID_LIMIT

TOO_BIG = 2**63
Headers = Callable[[str], dict[str, str]]


def _integer_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    options = schema.get("anyOf", [schema])
    return [s for s in options if s.get("type") == "integer"]


def _unbounded(integer: dict[str, Any]) -> bool:
    return (
        integer.get("exclusiveMaximum", TOO_BIG + 1) > ROW_ID_LIMIT
        and integer.get("maximum", TOO_BIG) >= ROW_ID_LIMIT
    )


def _is_id(name: str) -> bool:
    return name == "offset" or name == "id" or name.endswith("_id")


def test_every_integer_id_and_offset_in_the_schema_is_bounded(app: FastAPI) -> None:
    """The mechanism: every id-like integer a client sends (path, query, body) carries the 64-bit bound."""
    spec = app.openapi()
    unbounded: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                for integer in _integer_schemas(parameter["schema"]):
                    if _is_id(parameter["name"]) and _unbounded(integer):
                        unbounded.append(f"{method} {path} {parameter['name']}")
    for name, component in spec["components"]["schemas"].items():
        if not (name.endswith(("Create", "In", "Request", "Change", "Report", "Place", "Reschedule"))):
            continue
        for field, prop in component.get("properties", {}).items():
            for integer in _integer_schemas(prop):
                if _is_id(field) and _unbounded(integer):
                    unbounded.append(f"{name}.{field}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/fleet/vans?offset={TOO_BIG}", "offset"),
        (f"/api/fleet/vans/{TOO_BIG}", "van_id"),
        (f"/api/fleet/vans?station_id={TOO_BIG}", "station_id"),
        (f"/api/call-center/jobs?offset={TOO_BIG}", "offset"),
    ],
)
def test_huge_ids_in_path_and_query_are_422(client: TestClient, auth: Headers, url: str, field: str) -> None:
    response = client.get(url, headers=auth("agent"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_huge_offer_id_is_422(client: TestClient, auth: Headers) -> None:
    headers = {**auth("tech001"), "Idempotency-Key": str(uuid.uuid4())}
    response = client.post(f"/api/field/offers/{TOO_BIG}/accept", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "offer_id"


def test_huge_dispatch_van_id_is_422(client: TestClient, auth: Headers) -> None:
    job = client.post(
        "/api/call-center/jobs",
        json={
            "caller_name": "王先生",
            "caller_phone": "13800000001",
            "vehicle": {"plate": "浙B99901", "powertrain": "ice"},
            "fault_category": "flat_tyre",
            "location": {"lat": 29.8683, "lon": 121.5440},
        },
        headers=auth("agent"),
    ).json()["job"]
    response = client.post(
        f"/api/call-center/jobs/{job['id']}/dispatch",
        json={"van_id": TOO_BIG, "reason": "熟悉路况"},
        headers=auth("agent"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "van_id"


def test_huge_host_station_id_is_422(client: TestClient, auth: Headers) -> None:
    body = {
        "name": "x",
        "mode": "door_to_door",
        "county_adcodes": ["330226"],
        "start_date": "2026-11-24",
        "end_date": "2026-11-24",
        "host_station_id": TOO_BIG,
        "vans": [{"van_id": TOO_BIG}],
        "services": [{"code": "maintenance", "name": "保养", "duration_min": 30}],
        "daily_capacity": 10,
    }
    response = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["error"]["details"]["errors"]}
    assert fields == {"host_station_id", "vans.0.van_id"}
