"""The call-center console in a real browser against a real server: an agent's day, live updates, a dropped
stream that catches up, and bad input that is refused in place."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.console_page import board_row, marker_centre, sign_in_to_console
from tests.web.field import Tablet, technician_of_van
from tests.web.live_server import LiveServer, sign_in

ADDRESS = "浙江省宁波市宁海县跃龙街道人民大道 1 号"


def new_plate() -> str:
    return "浙B" + uuid.uuid4().hex[:5].upper()


def create_job_by_api(server: LiveServer, plate: str) -> dict[str, Any]:
    body = {
        "caller_name": "李四",
        "caller_phone": "13900001111",
        "vehicle": {"plate": plate, "powertrain": "ice"},
        "fault_category": "battery",
        "location": {"address": "浙江省杭州市余杭区"},
    }
    response = httpx.post(
        server.url + "/api/call-center/jobs", json=body, headers=sign_in(server.url, "agent2")
    )
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()["job"]
    return job


def van_plate(server: LiveServer, van_id: int) -> str:
    van = httpx.get(f"{server.url}/api/fleet/vans/{van_id}", headers=sign_in(server.url, "agent")).json()
    return str(van["plate"])


@pytest.fixture
def tablets() -> Iterator[list[Tablet]]:
    opened: list[Tablet] = []
    yield opened
    for tablet in opened:
        tablet.close()


def test_agent_creates_dispatches_and_watches_the_van_come(
    page: Any, live_server: LiveServer, tablets: list[Tablet]
) -> None:
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("[name=caller_name]").fill("张三")
    form.locator("[name=caller_phone]").fill("13800138000")
    plate = new_plate()
    form.locator("[name='vehicle.plate']").fill(plate)
    form.locator("[name='vehicle.powertrain']").select_option("ev")
    form.locator("[name=fault_category]").select_option("flat_tyre")
    form.locator("[name='location.address']").fill(ADDRESS)
    form.locator("button[type=submit]").click()

    detail = page.locator("#job-detail")
    expect(detail.locator("#detail-status")).to_have_text("待派单 / Created")
    expect(detail).to_contain_text("宁海")
    expect(detail).to_contain_text("县区级")  # the geocode precision the agent may correct
    expect(page.locator("#candidates tbody tr").first).to_be_visible()
    reference = detail.locator("h2").inner_text().split()[0]
    job_id = detail.get_attribute("data-job-id")
    assert job_id is not None
    expect(board_row(page, reference)).to_have_count(1)

    page.keyboard.press("d")  # dispatch to the best van
    expect(detail.locator("#detail-status")).to_have_text("待接单 / Offered")
    row = board_row(page, reference)
    expect(row).to_contain_text("待接单 / Offered")
    expect(row.locator("td.countdown")).to_have_text(re.compile(r"^[01]:[0-5][0-9]$"))  # counts down
    agent = sign_in(live_server.url, "agent")
    offered = httpx.get(f"{live_server.url}/api/call-center/jobs/{job_id}", headers=agent).json()
    van_id = offered["van_id"]
    expect(row).to_contain_text(van_plate(live_server, van_id))

    tablet = Tablet(live_server, technician_of_van(live_server, van_id))
    tablets.append(tablet)
    tablet.accept_offer_for(job_id)
    expect(row).to_contain_text("已接单 / Accepted")
    expect(detail.locator("#detail-status")).to_have_text("已接单 / Accepted")
    tablet.status(job_id, "en_route")
    expect(row).to_contain_text("在途 / En route")
    expect(page.locator(".timeline")).to_contain_text("在途 / En route")

    job = httpx.get(
        f"{live_server.url}/api/call-center/jobs/{job_id}", headers=sign_in(live_server.url, "agent")
    ).json()
    van_marker = f'.van-marker[data-van-id="{van_id}"]'
    job_marker = f'.job-marker[data-job-id="{job_id}"]'
    start = httpx.get(
        f"{live_server.url}/api/fleet/vans/{van_id}", headers=sign_in(live_server.url, "agent")
    ).json()
    start_lat = start["last_lat"] if start["last_lat"] is not None else job["lat"] + 0.5
    start_lon = start["last_lon"] if start["last_lon"] is not None else job["lon"] + 0.5
    distances = []
    for step in (0.0, 0.4, 0.8):  # three pings, each closer to the breakdown
        lat = start_lat + (job["lat"] - start_lat) * step
        lon = start_lon + (job["lon"] - start_lon) * step
        tablet.ping(lat, lon)
        expect(page.locator(van_marker)).to_be_visible()
        page.wait_for_function(
            """([sel, lat, lon]) => {
                const van = window.dispatchConsole.fleet.vans.get(Number(sel));
                return van && Math.abs(van.last_lat - lat) < 1e-6 && Math.abs(van.last_lon - lon) < 1e-6;
            }""",
            arg=[van_id, lat, lon],
        )
        page.wait_for_timeout(100)
        vx, vy = marker_centre(page, van_marker)
        jx, jy = marker_centre(page, job_marker)
        distances.append(math.hypot(vx - jx, vy - jy))
    assert distances[0] > distances[1] > distances[2], distances


def test_a_dropped_stream_reconnects_and_the_board_catches_up(page: Any, live_server: LiveServer) -> None:
    blocked = {"on": False}
    sockets: list[Any] = []

    def route(ws: Any) -> None:
        if blocked["on"]:
            ws.close(code=1011, reason="network down")
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/api/streams/**", route)
    sign_in_to_console(page)
    before = create_job_by_api(live_server, new_plate())
    expect(board_row(page, before["reference"])).to_have_count(1)

    blocked["on"] = True
    for ws in sockets:
        ws.close(code=1006, reason="dropped")
    expect(page.locator("#stream-status")).to_have_text("重新连接中 / reconnecting")
    missed = [create_job_by_api(live_server, new_plate()) for _ in range(3)]
    cancel = httpx.post(
        f"{live_server.url}/api/call-center/jobs/{before['id']}/cancel",
        json={"reason": "客户已自行解决 / solved by the owner"},
        headers=sign_in(live_server.url, "agent2"),
    )
    assert cancel.status_code == 200, cancel.text
    page.wait_for_timeout(1000)
    for job in missed:
        expect(board_row(page, job["reference"])).to_have_count(0)  # really offline meanwhile

    blocked["on"] = False
    expect(page.locator("#stream-status")).to_have_text("实时 / live", timeout=20_000)
    for job in missed:
        expect(board_row(page, job["reference"])).to_have_count(1)
    expect(board_row(page, before["reference"])).to_have_count(0)  # cancelled while we were away
    references = page.locator("#board tbody tr").evaluate_all("rows => rows.map(r => r.dataset.reference)")
    assert len(references) == len(set(references))


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_created(
    page: Any, live_server: LiveServer
) -> None:
    sign_in_to_console(page)
    rows_before = page.locator("#board tbody tr").count()
    page.click("#new-job-button")
    form = page.locator("#new-job")
    form.locator("[name=caller_name]").fill("王五")
    form.locator("[name=caller_phone]").fill("call me")
    form.locator("[name='vehicle.plate']").fill(new_plate())
    form.locator("[name='vehicle.powertrain']").select_option("ice")
    form.locator("[name='location.address']").fill(ADDRESS)
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-error-for="caller_phone"]')).to_contain_text("caller_phone")
    expect(form.locator("[name=caller_phone]")).to_have_attribute("aria-invalid", "true")

    form.locator("[name=caller_phone]").fill("13800138000")
    form.locator("[name='location.address']").fill("")
    form.locator("[name='location.lat']").fill("95")
    form.locator("[name='location.lon']").fill("120.1")
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-error-for="location.lat"]')).to_contain_text("location.lat")
    expect(form.locator('[data-error-for="caller_phone"]')).to_be_empty()

    page.wait_for_timeout(500)
    assert page.locator("#board tbody tr").count() == rows_before
    assert page.locator("#job-detail").count() == 0


def test_a_second_call_links_to_the_open_job_and_search_finds_it(page: Any, live_server: LiveServer) -> None:
    plate = new_plate()
    first = create_job_by_api(live_server, plate)
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("[name=caller_name]").fill("李四")
    form.locator("[name=caller_phone]").fill("13900001111")
    form.locator("[name='vehicle.plate']").fill(plate)
    form.locator("[name='vehicle.powertrain']").select_option("ice")
    form.locator("[name='location.address']").fill(ADDRESS)
    form.locator("button[type=submit]").click()
    link = form.locator(".duplicate-link")
    expect(link).to_contain_text(first["reference"])
    link.click()
    expect(page.locator("#job-detail h2")).to_contain_text(first["reference"])
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    page.keyboard.type(plate)
    expect(page.locator("#board tbody tr")).to_have_count(1)
    expect(board_row(page, first["reference"])).to_have_count(1)


def test_a_click_on_the_map_gives_the_new_job_its_coordinates(page: Any) -> None:
    sign_in_to_console(page)
    page.keyboard.press("n")
    form = page.locator("#new-job")
    form.locator("#pick-on-map").click()
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    lat = float(form.locator("[name='location.lat']").input_value())
    lon = float(form.locator("[name='location.lon']").input_value())
    assert 27 < lat < 32 and 117 < lon < 124  # inside the Zhejiang view the console opens on
    assert form.locator("[name='location.datum']").input_value() == "wgs84"
    expect(page.locator(".pick-marker")).to_be_visible()
