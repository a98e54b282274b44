"""The board's search finds closed jobs too (through the API's `q`), and its city filter shows city names."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.console_page import board_row, sign_in_to_console
from tests.web.live_server import LiveServer, sign_in
from tests.web.test_console import create_job_by_api, new_plate


def test_search_lists_closed_jobs_beside_the_board_and_opens_them(page: Any, live_server: LiveServer) -> None:
    plate = new_plate()
    job = create_job_by_api(live_server, plate)
    cancelled = httpx.post(
        f"{live_server.url}/api/call-center/jobs/{job['id']}/cancel",
        json={"reason": "客户已自行解决 / solved by the owner"},
        headers=sign_in(live_server.url, "agent2"),
    )
    assert cancelled.status_code == 200, cancelled.text
    sign_in_to_console(page)
    expect(board_row(page, job["reference"])).to_have_count(0)  # closed: not on the board
    page.keyboard.press("/")
    page.keyboard.type(plate.lower())
    closed = page.locator("#closed-results")
    expect(closed).to_contain_text("Closed jobs matching (1)")
    row = closed.locator(f'tr[data-reference="{job["reference"]}"]')
    expect(row).to_contain_text("已取消 / Cancelled")
    expect(page.locator("#board tbody tr")).to_have_count(0)
    row.click()
    expect(page.locator("#job-detail h2")).to_contain_text(job["reference"])
    expect(page.locator("#detail-status")).to_have_text("已取消 / Cancelled")
    expect(page.locator("#job-detail .cancel-form")).to_be_hidden()  # a closed job cannot be cancelled
    expect(page.locator("#correct-job")).to_be_hidden()  # nor corrected

    page.locator("#search").fill("")
    expect(closed).to_be_hidden()


def test_the_city_filter_shows_city_names(page: Any, live_server: LiveServer) -> None:
    job = create_job_by_api(live_server, new_plate())  # 浙江省杭州市余杭区
    sign_in_to_console(page)
    city = page.locator(f'#filter-city option[value="{job["city_adcode"]}"]')
    expect(city).to_have_text("杭州市")
    page.locator("#filter-city").select_option(job["city_adcode"])
    expect(board_row(page, job["reference"])).to_have_count(1)
    texts = page.locator("#filter-city option").all_inner_texts()
    assert not any(text.strip().isdigit() or any(ch.isdigit() for ch in text) for text in texts), texts
