"""Driving the call-center console like an agent: sign in, type, click, read what is on screen."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.live_server import DEMO_PASSWORD


def sign_in_to_console(page: Any, username: str = "agent") -> None:
    page.goto("/console")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#stream-status")).to_have_text("实时 / live")


def board_row(page: Any, reference: str) -> Any:
    return page.locator(f'#board tbody tr[data-reference="{reference}"]')


def marker_centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
