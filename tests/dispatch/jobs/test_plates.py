"""Issue 15 defect 5: plates are one spelling however they are typed (spaces, case, full-width)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.owners.models import Vehicle
from dispatch.owners.plates import normalise_plate
from tests.dispatch.jobs.test_intake_api import JOBS, body

Auth = Callable[[str], dict[str, str]]


@pytest.mark.parametrize("typed", ["浙 a40001", "浙Ａ４０００１", " 浙A·40001 ", "浙a-40001"])
def test_normalise_plate(typed: str) -> None:
    assert normalise_plate(typed) == "浙A40001"


@pytest.mark.parametrize("second", ["浙 a40001", "浙Ａ４０００１"])
def test_a_second_call_for_the_same_plate_typed_differently_is_a_409(
    client: TestClient, auth: Auth, second: str
) -> None:
    first = client.post(
        JOBS, json=body(vehicle={"plate": "浙A40001", "powertrain": "ice"}), headers=auth("agent")
    )
    assert first.status_code == 201, first.text
    assert first.json()["job"]["vehicle_plate"] == "浙A40001"
    again = client.post(
        JOBS, json=body(vehicle={"plate": second, "powertrain": "ice"}), headers=auth("agent")
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"]["details"]["reference"] == first.json()["job"]["reference"]


def test_a_known_vehicle_is_found_by_its_plate_typed_loosely(
    client: TestClient, auth: Auth, db: Session
) -> None:
    vehicle = db.exec(select(Vehicle).order_by(Vehicle.id)).first()  # type: ignore[arg-type]
    assert vehicle is not None
    loose = f"{vehicle.plate[0]} {vehicle.plate[1:].lower()}"
    response = client.post(JOBS, json=body(vehicle={"plate": loose}), headers=auth("agent"))
    assert response.status_code == 201, response.text
    job = response.json()["job"]
    assert job["vehicle_plate"] == vehicle.plate and job["vehicle_vin"] == vehicle.vin
