"""The agents' follow-up page: a completed rescue's follow-up call is listed, its outcome recorded in place,
and the KPI figures for a period are the API's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.console_page import sign_in_to_console
from tests.web.field import Tablet, technician_of_van
from tests.web.live_server import LiveServer, sign_in
from tests.web.test_console import create_job_by_api, new_plate


@pytest.fixture
def tablets() -> Iterator[list[Tablet]]:
    opened: list[Tablet] = []
    yield opened
    for tablet in opened:
        tablet.close()


def completed_rescue(server: LiveServer, tablets: list[Tablet]) -> dict[str, Any]:
    job = create_job_by_api(server, new_plate())
    agent = sign_in(server.url, "agent")
    offered = httpx.post(f"{server.url}/api/call-center/jobs/{job['id']}/dispatch", headers=agent).json()
    tablet = Tablet(server, technician_of_van(server, offered["job"]["van_id"]))
    tablets.append(tablet)
    tablet.accept_offer_for(job["id"])
    for status in ("en_route", "on_site", "in_service"):
        tablet.status(job["id"], status)
    report = {"fault_found": "电瓶亏电", "work_done": "搭电启动并检测电瓶", "repaired_on_site": True}
    tablet.write(f"/api/field/jobs/{job['id']}/complete", report)
    return job


def test_an_agent_records_a_follow_up_call_and_reads_the_kpis(
    page: Any, live_server: LiveServer, tablets: list[Tablet]
) -> None:
    job = completed_rescue(live_server, tablets)
    sign_in_to_console(page)
    page.click("a[href='/console/followups']")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator("#due-within").select_option("3")
    row = page.locator(f'#followup-queue tr[data-reference="{job["reference"]}"][data-step="24h"]')
    expect(row).to_contain_text(job["caller_phone"])
    expect(row).to_contain_text("24 小时回访")

    row.locator("[name=outcome]").select_option("reached")
    row.locator("[name=csat]").select_option("5")
    row.locator("[name=nps]").fill("10")
    row.locator("[name=comment]").fill("师傅很专业")
    row.locator("button[type=submit]").click()
    expect(row).to_have_count(0)  # done: off the queue

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    page.locator("#kpi-period [name=from]").fill(today)
    page.locator("#kpi-period [name=to]").fill(today)
    page.locator("#kpi-period button[type=submit]").click()
    kpis = httpx.get(
        f"{live_server.url}/api/kpis",
        params={"from": today, "to": today},
        headers=sign_in(live_server.url, "agent"),
    ).json()["total"]
    assert kpis["satisfaction"]["csat_responses"] >= 1
    figures = page.locator("#kpi-figures")
    expect(figures.locator('dd[data-kpi="csat_responses"]')).to_have_text(
        str(kpis["satisfaction"]["csat_responses"])
    )
    expect(figures.locator('dd[data-kpi="jobs"]')).to_have_text(str(kpis["rescue"]["jobs"]))
    expect(figures).to_contain_text("满意率 / Satisfied (4-5)")


def test_a_bad_score_is_shown_next_to_its_field(
    page: Any, live_server: LiveServer, tablets: list[Tablet]
) -> None:
    job = completed_rescue(live_server, tablets)
    sign_in_to_console(page)
    page.goto("/console/followups")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator("#due-within").select_option("3")
    row = page.locator(f'#followup-queue tr[data-reference="{job["reference"]}"][data-step="24h"]')
    row.locator("[name=outcome]").select_option("reached")
    row.locator("[name=nps]").fill("11")
    row.locator("button[type=submit]").click()
    expect(row.locator('[data-error-for="nps"]')).to_contain_text("nps")
    expect(row).to_have_count(1)  # nothing recorded
