"""Issue 15 defect 4 for bookings: owner and vehicle ids past the 64-bit range are a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.dispatch.campaigns.conftest import CampaignFactory, book


@pytest.mark.parametrize("field", ["owner_id", "vehicle_id"])
def test_huge_booking_ids_are_422(
    client: TestClient,
    auth: Callable[[str], dict[str, str]],
    create_campaign: CampaignFactory,
    field: str,
) -> None:
    campaign = create_campaign()
    response = book(client, auth("planner"), campaign["id"], **{field: 2**63})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
