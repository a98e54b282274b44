"""The planner console in a real browser: a campaign started from an uncovered county, a day planned and
published with each van's route and timeline, what moved after a change, and a bad form refused in place.

Bookings are taken through the public API, as the call center would take them on the phone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.conftest import SCREENSHOTS
from tests.web.live_server import DEMO_PASSWORD, LiveServer, sign_in

BOOKINGS = 8
KM_DEG = 1 / 111.0
# Around the county seat: (km north, km east) of each caller's home.
HOMES = [(3, 2), (-4, 5), (6, -3), (-2, -6), (8, 4), (-7, -1), (1, 9), (-5, 7)]


def sign_in_as(page: Any, username: str) -> None:
    page.goto("/console/planner")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/planner$"))
    expect(page.locator("#gaps tbody tr").first).to_be_visible()


def start_campaign_from_first_county(page: Any) -> str:
    """Click the county with the most owners out of reach; returns its name."""
    first = page.locator("#gaps tbody tr").first
    county = first.locator("td").first.inner_text().split()[0]
    first.locator("button.start-campaign").click()
    expect(page.locator("#campaign-form h2")).to_contain_text(county)
    return county


def book_around_the_seat(
    url: str, campaign_id: str, day: str, seat: tuple[float, float]
) -> list[dict[str, Any]]:
    agent = sign_in(url, "agent")
    base = f"{url}/api/planner/campaigns/{campaign_id}"
    windows = httpx.get(
        f"{base}/availability",
        params={"service_code": "maintenance", "lat": seat[0], "lon": seat[1], "service_date": day},
        headers=agent,
        timeout=60,
    ).json()["days"][0]["windows"]
    starts = [w["start"] for w in windows if w["feasible"]]
    assert starts, windows
    booked = []
    for n, (north_km, east_km) in enumerate(HOMES[:BOOKINGS]):
        body = {
            "owner_name": f"车主{n:02d}",
            "phone": f"1390000{n:04d}",
            "service_code": ("maintenance", "inspection", "repair")[n % 3],
            "service_date": day,
            # Two busy morning windows: more than one van can serve, so the day needs both.
            "window_start": starts[n % min(2, len(starts))],
            "lat": seat[0] + north_km * KM_DEG,
            "lon": seat[1] + east_km * KM_DEG,
            "address": f"村口{n}号",
        }
        response = httpx.post(f"{base}/bookings", json=body, headers=agent, timeout=60)
        assert response.status_code == 201, response.text
        booked.append(response.json())
    return booked


def owner_sees_window_and_stops_before(
    browser: Any, live_server: LiveServer, booked: list[dict[str, Any]], routes: list[dict[str, Any]]
) -> None:
    """A booked owner's link, on a phone, once the plan is out: the window and the stops before theirs."""
    visits = max(routes, key=lambda van: len(van["visits"]))["visits"]
    third = visits[min(2, len(visits) - 1)]
    booking = next(b for b in booked if b["id"] == third["booking_id"])
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True
    )
    phone = context.new_page()
    try:
        phone.goto(f"/track/{booking['tracking_token']}")
        expect(phone.locator("#status")).to_have_text("已预约 / Booked")
        expect(phone.locator("#window")).to_have_text(re.compile(r"^\d{1,2}月\d{1,2}日 \d\d:\d\d–\d\d:\d\d$"))
        before = third["sequence"] - 1
        expect(phone.locator("#stops-before")).to_have_text(
            f"{before} 个 / {before} stop{'' if before == 1 else 's'}"
        )
        expect(phone.locator(".owner-pin.destination span")).to_be_visible()
        expect(phone.locator(".owner-pin.van")).to_have_count(0)
        phone.screenshot(path=str(SCREENSHOTS / "owner-page-countryside.png"))
    finally:
        context.close()


def test_planner_builds_and_publishes_a_day_plan_and_sees_routes_and_timelines(
    page: Any, browser: Any, live_server: LiveServer
) -> None:
    sign_in_as(page, "planner")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "planner-coverage.png"))
    county = start_campaign_from_first_county(page)
    page.click("#campaign-form button[type=submit]")
    expect(page.locator("#campaign-title")).to_contain_text(county)
    campaign_id = re.search(r"#/campaigns/([\w-]+)$", page.url).group(1)  # type: ignore[union-attr]

    planner = sign_in(live_server.url, "planner")
    campaign = httpx.get(f"{live_server.url}/api/planner/campaigns/{campaign_id}", headers=planner).json()
    day = campaign["days"][0]["service_date"]
    seat = campaign["gathering_points"][0]
    booked = book_around_the_seat(live_server.url, campaign_id, day, (seat["lat"], seat["lon"]))

    page.reload()
    expect(page.locator("#bookings tbody tr")).to_have_count(BOOKINGS)
    page.click("#availability-form button[type=submit]")
    expect(page.locator("#availability tbody tr")).to_have_count(len(campaign["days"]), timeout=30_000)
    with page.expect_download() as download:
        page.click("#export-invitations")
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("owner_id,name,phone") and len(rows) > 1
    page.screenshot(path=str(SCREENSHOTS / "planner-campaign-page.png"), full_page=True)
    expect(page.locator(f"#days tr[data-day='{day}'] td").nth(1)).to_have_text(f"{BOOKINGS} / 30")
    page.locator(f"#days tr[data-day='{day}'] a.day-plan-link").click()

    # The planner's ask is part of the request: nonsense is refused next to its field, nothing is built.
    page.fill("#max-overtime", "600")
    page.click("#build-plan")
    expect(page.locator("[data-error-for=max_overtime_minutes]")).to_be_visible()
    expect(page.locator("#max-overtime")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#plan-summary")).to_have_count(0)
    page.fill("#max-overtime", "60")
    page.fill("#max-vans", str(len(campaign["vans"])))
    page.click("#build-plan")
    expect(page.locator("#plan-summary")).to_contain_text("草稿 / draft", timeout=60_000)
    expect(page.locator("[data-error-for=max_overtime_minutes]")).to_be_hidden()
    expect(page.locator("#van-legend thead")).to_contain_text("加班")
    plan = httpx.get(
        f"{live_server.url}/api/planner/campaigns/{campaign_id}/days/{day}/plans", headers=planner
    ).json()[-1]
    assert plan["changes"]["objective"] == {"max_vans": len(campaign["vans"]), "max_overtime_minutes": 60}
    routes = [van for van in plan["vans"] if van["visits"]]
    served = sum(len(van["visits"]) for van in routes)
    assert routes and served + len(plan["dropped"]) == BOOKINGS
    expect(page.locator("#van-legend tbody tr")).to_have_count(len(plan["vans"]))
    for van in routes:
        pins = page.locator(f".stop-pin span[data-van='{van['van_id']}']")
        expect(pins).to_have_count(len(van["visits"]))
        row = page.locator(f".timeline-row[data-van='{van['van_id']}']")
        expect(row.locator(".seg.service")).to_have_count(len(van["visits"]))
        expect(row.locator(".seg.drive").first).to_be_visible()
    expect(page.locator("#visits tbody tr")).to_have_count(served)
    expect(page.locator("#visits td[data-status=planned]")).to_have_count(served)
    expect(page.locator("#visits tbody tr").first).to_contain_text("待服务 / planned")

    page.click("#publish-plan")
    expect(page.locator("#plan-summary")).to_contain_text("已发布 / published")
    expect(page.locator("#publish-plan")).to_be_disabled()
    page.screenshot(path=str(SCREENSHOTS / "planner-day-plan.png"), full_page=False)
    owner_sees_window_and_stops_before(browser, live_server, booked, routes)

    cancelled = next(
        b for b in booked if any(v["booking_id"] == b["id"] for van in routes for v in van["visits"])
    )
    response = httpx.post(f"{live_server.url}/api/planner/bookings/{cancelled['id']}/cancel", headers=planner)
    assert response.status_code == 200, response.text
    page.click("#build-plan")
    expect(page.locator("#plan-summary")).to_contain_text("草稿 / draft", timeout=60_000)
    expect(page.locator("#plan-changes")).to_contain_text(f"移除 / removed {cancelled['reference']}")
    expect(page.locator("#plan-version option")).to_have_count(2)


def test_bad_input_in_the_campaign_form_is_shown_by_the_field_and_nothing_is_created(
    page: Any, live_server: LiveServer
) -> None:
    planner = sign_in(live_server.url, "planner")
    before = httpx.get(f"{live_server.url}/api/planner/campaigns", headers=planner).json()
    sign_in_as(page, "planner")
    start_campaign_from_first_county(page)
    form = page.locator("#campaign-form")
    form.locator("input[name=start_date]").fill("2030-05-10")
    form.locator("input[name=end_date]").fill("2030-05-01")
    form.locator("button[type=submit]").click()
    error = form.locator("[data-error-for=end_date]")
    expect(error).to_have_text("结束日期早于开始日期 / end_date is before start_date")
    expect(form.locator("input[name=end_date]")).to_have_attribute("aria-invalid", "true")
    expect(error).to_be_visible()
    after = httpx.get(f"{live_server.url}/api/planner/campaigns", headers=planner).json()
    assert len(after) == len(before)
    assert "#/campaigns/" not in page.url
