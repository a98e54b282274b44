"""Sign-in in a real browser: the console sends you to sign in, and wrong passwords are said in place."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.live_server import DEMO_PASSWORD


def test_agent_signs_in_and_the_console_goes_live(page: Any) -> None:
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/login\?next=%2Fconsole$"))
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator("#who")).to_have_text("agent")
    expect(page.locator("#stream-status")).to_have_text("实时 / live")
    token = page.evaluate("sessionStorage.getItem('dispatch.token')")
    assert token and token not in page.url


def test_a_wrong_password_is_shown_on_the_form(page: Any) -> None:
    page.goto("/console/login")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("[data-error-for=_form]")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    assert page.evaluate("sessionStorage.getItem('dispatch.token')") is None
