"""An agent corrects an open job in the console: the change is saved with the version the agent started
from, appears in the job's timeline, and a job that moved on meanwhile is refused until the agent checks."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.console_page import sign_in_to_console
from tests.web.live_server import LiveServer, sign_in
from tests.web.test_console import create_job_by_api, new_plate


def open_correction(page: Any, job: dict[str, Any]) -> Any:
    page.goto(f"/console#job/{job['id']}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    form = page.locator("#correct-job")
    form.locator("summary").click()
    return form


def test_an_agent_corrects_the_phone_and_sees_it_in_the_timeline(page: Any, live_server: LiveServer) -> None:
    job = create_job_by_api(live_server, new_plate())
    sign_in_to_console(page)
    form = open_correction(page, job)
    expect(form.locator("[name=caller_phone]")).to_have_value(job["caller_phone"])
    form.locator("[name=caller_phone]").fill("13712345678")
    form.locator("[name=fault_category]").select_option("wont_start")
    form.locator("button[type=submit]").click()
    expect(page.locator("#correct-saved")).to_have_text("已保存 / Saved")

    detail = page.locator("#job-detail")
    expect(detail.locator("dl")).to_contain_text("13712345678")
    corrected = page.locator('.timeline li[data-kind="job.corrected"]')
    expect(corrected).to_have_count(1)
    expect(corrected).to_contain_text("更正 / Corrected")
    expect(corrected).to_contain_text(f"电话 / phone: {job['caller_phone']} → 13712345678")
    expect(corrected).to_contain_text("故障 / fault: battery → wont_start")
    stored = httpx.get(
        f"{live_server.url}/api/call-center/jobs/{job['id']}", headers=sign_in(live_server.url, "agent")
    ).json()
    assert stored["caller_phone"] == "13712345678" and stored["fault_category"] == "wont_start"
    assert stored["version"] == job["version"] + 1


def test_a_job_that_moved_on_meanwhile_is_refused_until_the_agent_saves_again(
    page: Any, live_server: LiveServer
) -> None:
    job = create_job_by_api(live_server, new_plate())
    sign_in_to_console(page)
    form = open_correction(page, job)
    form.locator("[name=fault_description]").fill("车门打不开")
    dispatched = httpx.post(
        f"{live_server.url}/api/call-center/jobs/{job['id']}/dispatch",
        headers=sign_in(live_server.url, "agent2"),
    )
    assert dispatched.json()["job"]["status"] == "offered", dispatched.text
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-error-for="version"]')).to_contain_text("已被他人更新")
    expect(form.locator("[name=fault_description]")).to_have_value("车门打不开")  # the agent's edit is kept
    form.locator("button[type=submit]").click()
    expect(page.locator("#correct-saved")).to_have_text("已保存 / Saved")
    expect(page.locator('.timeline li[data-kind="job.corrected"]')).to_contain_text("车门打不开")


def test_bad_coordinates_in_a_correction_are_shown_next_to_the_field(
    page: Any, live_server: LiveServer
) -> None:
    job = create_job_by_api(live_server, new_plate())
    sign_in_to_console(page)
    form = open_correction(page, job)
    form.locator("[name='location.lat']").fill("95")
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-error-for="location.lat"]')).to_contain_text("location.lat")
    expect(page.locator('.timeline li[data-kind="job.corrected"]')).to_have_count(0)
