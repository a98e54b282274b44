"""The owner's tracking page on a phone: the van on the map while it is on its way, gone once it arrives.

The job is driven through the public call-center and field APIs, as an agent and a technician would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import SCREENSHOTS
from tests.web.field_driver import FieldCrew
from tests.web.live_server import LiveServer

PHONE = {"width": 360, "height": 740}
# What a first visit may cost on a slow rural link, compressed (the page, its modules, CSS and Leaflet).
FIRST_LOAD_BUDGET_BYTES = 100_000
KM_NORTH_DEG = 1 / 111.0

FIRST_LOAD_BYTES = """() => {
  const entries = [
    ...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource"),
  ];
  return {
    transferred: entries.reduce((n, e) => n + e.transferSize, 0),
    decoded: entries.reduce((n, e) => n + e.decodedBodySize, 0),
    files: entries.length,
  };
}"""


@pytest.fixture
def phone(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def test_owner_sees_the_van_on_its_way_and_not_after_it_arrives(phone: Any, live_server: LiveServer) -> None:
    crew = FieldCrew(live_server.url)
    station = crew.station
    breakdown = (station["lat"] - 12 * KM_NORTH_DEG, station["lon"] + 0.03)
    job = crew.rescue_job_dispatched_to_me(*breakdown)
    crew.write(f"/api/field/offers/{job['offer']['id']}/accept")
    crew.write(f"/api/field/jobs/{job['job']['id']}/status", {"status": "en_route"})
    crew.ping(breakdown[0] + 6 * KM_NORTH_DEG, breakdown[1])

    phone.goto(f"/track/{job['tracking_token']}")
    expect(phone.locator("#status")).to_have_text("救援车正在赶来 / The van is on its way")
    expect(phone.locator("#live")).to_have_text("实时 / live")
    van, destination = phone.locator(".owner-pin.van span"), phone.locator(".owner-pin.destination span")
    expect(van).to_be_visible()
    expect(destination).to_be_visible()
    expect(phone.locator("#eta")).to_contain_text("约")
    van_box, destination_box = van.bounding_box(), destination.bounding_box()
    assert van_box is not None and destination_box is not None
    assert van_box["y"] < destination_box["y"], "the van comes from the north: it is drawn above"
    assert van_box["x"] >= 0 and van_box["x"] + van_box["width"] <= PHONE["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    payload = phone.evaluate(FIRST_LOAD_BYTES)
    print(f"\nowner page first load: {payload}")
    assert payload["transferred"] < FIRST_LOAD_BUDGET_BYTES, payload
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "owner-page-van-on-its-way.png"))

    # A dropped connection comes back by itself and the page keeps following the job.
    phone.evaluate("window.ownerTracking.drop()")
    expect(phone.locator("#live")).to_have_text("实时 / live")
    crew.ping(breakdown[0] + 2 * KM_NORTH_DEG, breakdown[1])
    expect(van).to_be_visible()
    crew.write(f"/api/field/jobs/{job['job']['id']}/status", {"status": "on_site"})
    expect(phone.locator("#status")).to_have_text("技师已到达 / The technician has arrived")
    expect(phone.locator(".owner-pin.van")).to_have_count(0)
    expect(destination).to_be_visible()
    expect(phone.locator("#eta")).to_have_count(0)
    log = live_server.log()
    assert f"/track/{job['tracking_token'][:4]}…" in log, "the page and its websocket were logged"
    assert job["tracking_token"] not in log, "the owner's token is kept out of the server's log"


def test_an_unknown_link_says_so(phone: Any) -> None:
    phone.goto("/track/" + "x" * 32)
    expect(phone.locator("#status")).to_contain_text("链接无效或已过期")
    expect(phone.locator(".owner-pin")).to_have_count(0)
