"""Job detail in the console: what was sent to the owner (and whether it arrived), and the warning when the
caller's address and coordinates disagree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.console_page import sign_in_to_console
from tests.web.field import Tablet, technician_of_van
from tests.web.live_server import LiveServer, sign_in
from tests.web.test_console import create_job_by_api, new_plate

HANGZHOU = {"lat": 30.2741, "lon": 120.1551}  # West Lake


@pytest.fixture
def tablets() -> Iterator[list[Tablet]]:
    opened: list[Tablet] = []
    yield opened
    for tablet in opened:
        tablet.close()


def test_the_owner_messages_show_in_the_job_detail(
    page: Any, live_server: LiveServer, tablets: list[Tablet]
) -> None:
    job = create_job_by_api(live_server, new_plate())
    agent = sign_in(live_server.url, "agent")
    offered = httpx.post(f"{live_server.url}/api/call-center/jobs/{job['id']}/dispatch", headers=agent).json()
    van_id = offered["job"]["van_id"]
    sign_in_to_console(page)
    page.goto(f"/console#job/{job['id']}")
    messages = page.locator("#job-messages")
    expect(messages).to_contain_text("尚未发送 / Nothing sent yet")

    tablet = Tablet(live_server, technician_of_van(live_server, van_id))
    tablets.append(tablet)
    tablet.accept_offer_for(job["id"])
    accepted = messages.locator('li[data-template="job.accepted"]')
    expect(accepted).to_contain_text("已接单通知 / Accepted")
    expect(accepted).to_contain_text(job["caller_phone"])
    expect(accepted).to_have_attribute("data-status", "delivered", timeout=20_000)
    expect(accepted).to_contain_text("已送达 / delivered")
    expect(accepted.locator(".message-body")).to_contain_text(job["reference"])
    messages.scroll_into_view_if_needed()  # for the screenshot


def test_an_address_far_from_the_coordinates_is_flagged_in_the_detail(
    page: Any, live_server: LiveServer
) -> None:
    body = {
        "caller_name": "钱七",
        "caller_phone": "13600136000",
        "vehicle": {"plate": new_plate(), "powertrain": "ev"},
        "fault_category": "battery",
        "location": {**HANGZHOU, "address": "温州市鹿城区五马街"},
    }
    response = httpx.post(
        f"{live_server.url}/api/call-center/jobs", json=body, headers=sign_in(live_server.url, "agent")
    )
    assert response.status_code == 201, response.text
    job = response.json()["job"]
    assert job["location_conflict_km"] > 250
    sign_in_to_console(page)
    page.goto(f"/console#job/{job['id']}")
    conflict = page.locator("#location-conflict")
    expect(conflict).to_contain_text(f"相距 {job['location_conflict_km']:g} 公里，按坐标派车")
    expect(conflict).to_contain_text("the coordinates are used")
