"""Issue 15 item 8: the API docs and the behaviour agree (Idempotency-Key, powertrain, shift times, 400s)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

Auth = Callable[[str], dict[str, str]]


def _component(spec: dict[str, Any], suffix: str) -> dict[str, Any]:
    [name] = [n for n in spec["components"]["schemas"] if n == suffix or n.endswith(f"__{suffix}")][:1]
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def test_idempotency_key_is_documented_as_a_uuid(app: FastAPI, client: TestClient, auth: Auth) -> None:
    operation = app.openapi()["paths"]["/api/field/pings"]["post"]
    [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert {"type": "string", "format": "uuid"} in header["schema"]["anyOf"]
    headers = {**auth("tech001"), "Idempotency-Key": "not-a-uuid"}
    refused = client.post("/api/field/pings", json=[], headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "Idempotency-Key"


def test_powertrain_is_an_enum_in_job_reads(app: FastAPI) -> None:
    spec = app.openapi()
    for schema in ("JobRead",):
        properties = _component(spec, schema)["properties"]
        assert properties["powertrain"] == {"$ref": "#/components/schemas/Powertrain"}
    assert spec["components"]["schemas"]["Powertrain"]["enum"] == ["ice", "hybrid", "ev"]


def test_shift_times_are_local_wall_clock_strings(app: FastAPI) -> None:
    spec = app.openapi()
    shift = _component(spec, "CampaignVanIn")["properties"]["shift_start"]
    assert shift["type"] == "string" and "format" not in shift and shift["pattern"].startswith("^")


@pytest.mark.parametrize("value", ["08:00:00+08:00", 28800, "8am", "24:00"])
def test_shift_times_the_schema_refuses_are_refused(client: TestClient, auth: Auth, value: object) -> None:
    body = {"name": "x", "vans": [{"van_id": 1, "shift_start": value}]}
    response = client.post("/api/planner/campaigns", json=body, headers=auth("planner"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["error"]["details"]["errors"]}
    assert "vans.0.shift_start" in fields


def test_shift_times_read_back_as_given(client: TestClient, auth: Auth) -> None:
    van = client.get("/api/fleet/vans", params={"limit": 1}, headers=auth("agent")).json()[0]
    assert len(van["shift_start"]) == 8 and van["shift_start"][2] == ":"


def test_every_operation_documents_400_and_an_unparsable_body_gets_the_shared_shape(
    app: FastAPI, client: TestClient
) -> None:
    undocumented = [
        f"{method} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "400" not in operation["responses"]
    ]
    assert undocumented == []
    response = client.post("/api/auth/token", content=b"abc", headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request" and error["message"].startswith("请求无效")
