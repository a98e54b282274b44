"""Taking a call in the console: a known vehicle fills in its model and powertrain, and the location is
previewed (precision, divisions) before the job exists, then corrected with a click on the map."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.console_page import sign_in_to_console
from tests.web.live_server import LiveServer, sign_in
from tests.web.test_console import ADDRESS, new_plate


def a_registered_vehicle(server: LiveServer) -> tuple[str, str, str, str]:
    """Plate, VIN, model and powertrain of a vehicle the server's CRM knows (read from its database)."""
    path = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        row = db.execute("select plate, vin, model, powertrain from vehicles order by id limit 1").fetchone()
    assert row is not None, "the demo world registers vehicles"
    return row


def test_a_known_plate_fills_in_the_model_and_powertrain(page: Any, live_server: LiveServer) -> None:
    plate, vin, model, powertrain = a_registered_vehicle(live_server)
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("[name='vehicle.plate']").fill(plate)
    form.locator("[name='vehicle.plate']").press("Tab")
    expect(page.locator("#vehicle-note")).to_contain_text("已登记车辆 / Known vehicle")
    expect(form.locator("[name='vehicle.model']")).to_have_value(model)
    expect(form.locator("[name='vehicle.powertrain']")).to_have_value(powertrain)
    expect(form.locator("[name='vehicle.vin']")).to_have_value(vin)

    form.locator("[name='vehicle.plate']").fill(new_plate())
    form.locator("[name='vehicle.plate']").press("Tab")
    expect(page.locator("#vehicle-note")).to_contain_text("未登记车辆")
    expect(form.locator("[name='vehicle.model']")).to_have_value("")  # the other vehicle's, taken back
    expect(form.locator("[name='vehicle.vin']")).to_have_value("")
    expect(form.locator("[name='vehicle.powertrain']")).to_have_value("")


def test_the_address_is_previewed_then_corrected_on_the_map(page: Any, live_server: LiveServer) -> None:
    agent = sign_in(live_server.url, "agent")
    jobs_before = httpx.get(f"{live_server.url}/api/call-center/jobs", headers=agent).headers["X-Total-Count"]
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("[name=caller_name]").fill("赵六")
    form.locator("[name=caller_phone]").fill("13700137000")
    form.locator("[name='vehicle.plate']").fill(new_plate())
    form.locator("[name='vehicle.powertrain']").select_option("ice")
    form.locator("[name='location.address']").fill(ADDRESS)
    form.locator("[name='location.address']").press("Tab")
    preview = page.locator("#location-preview")
    expect(preview).to_have_attribute("data-precision", "county")
    expect(preview).to_contain_text("县区级")
    expect(preview).to_contain_text("宁波市 宁海县")
    expect(preview).to_contain_text("请在地图上点选")
    expect(page.locator(".pick-marker")).to_be_visible()
    jobs_now = httpx.get(f"{live_server.url}/api/call-center/jobs", headers=agent).headers["X-Total-Count"]
    assert jobs_now == jobs_before, "a preview creates nothing"

    form.locator("#pick-on-map").click()
    marker = page.locator(".pick-marker").bounding_box()
    assert marker is not None
    page.mouse.click(marker["x"] + marker["width"] / 2 + 40, marker["y"] + marker["height"] / 2 + 30)
    expect(preview).to_have_attribute("data-precision", "exact")
    expect(preview).to_contain_text("精确坐标")
    expect(preview).not_to_contain_text("请在地图上点选")
    picked_lat = float(form.locator("[name='location.lat']").input_value())
    picked_lon = float(form.locator("[name='location.lon']").input_value())

    form.locator("button[type=submit]").click()
    detail = page.locator("#job-detail")
    expect(detail.locator("#detail-status")).to_have_text("待派单 / Created")
    expect(detail).to_contain_text("精确坐标")
    job_id = detail.get_attribute("data-job-id")
    job = httpx.get(f"{live_server.url}/api/call-center/jobs/{job_id}", headers=agent).json()
    assert abs(job["lat"] - picked_lat) < 1e-5 and abs(job["lon"] - picked_lon) < 1e-5
    assert job["geocode_precision"] == "exact" and job["address"] == ADDRESS


def test_a_location_that_cannot_be_placed_says_so_before_creation(page: Any) -> None:
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("[name='location.lat']").fill("48.85")
    form.locator("[name='location.lon']").fill("2.35")
    form.locator("[name='location.lon']").press("Tab")
    expect(page.locator("#location-preview")).to_contain_text("坐标不在中国境内")
