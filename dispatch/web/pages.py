"""HTML shells of the consoles: each page loads one ES module (its screen) and the shared CSS.

    GET /console/login     sign-in (any staff role)
    GET /console           the call-center console (agents, admins)
    GET /console/followups follow-up calls due and KPI figures (agents, admins)

Pages carry no data and need no token (the token lives in the browser's sessionStorage; the screen's module
sends it to the API). Static files: ``/static/web/*`` (this package) and ``/static/leaflet/*`` (xstatic).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import xstatic.pkg.leaflet
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from dispatch.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)

router = APIRouter(include_in_schema=False)


def install_web(app: FastAPI) -> None:
    """Mount the consoles' static files and pages on the app."""
    from dispatch.web.planner_page import router as planner_router  # it imports render_page from here

    app.mount("/static/web", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.include_router(router)
    app.include_router(planner_router)


def page_config(settings: Settings) -> dict[str, str]:
    """What every screen needs to know about this deployment (nothing secret)."""
    return {
        "tileUrl": settings.map_tile_url,
        "tileDatum": settings.map_tile_datum.value,
        "tileAttribution": settings.map_tile_attribution,
        "timezone": settings.display_timezone,
    }


def render_page(settings: Settings, *, title: str, module: str, body: str, leaflet: bool = False) -> str:
    """One page: shared CSS, optional Leaflet, the deployment's config and the screen's module."""
    config = html.escape(json.dumps(page_config(settings), ensure_ascii=False), quote=True)
    leaflet_tags = (
        '<link rel="stylesheet" href="/static/leaflet/leaflet.css">\n'
        '<script src="/static/leaflet/leaflet.js"></script>\n'
        if leaflet
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/static/web/base.css">
{leaflet_tags}<script type="module" src="/static/web/{module}"></script>
</head>
<body data-config="{config}">
{body}
</body></html>
"""


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


_LOGIN_BODY = """<main class="signin">
<h1>救援调度系统 <span class="en">Dispatch</span></h1>
<form id="signin" novalidate>
  <label>用户名 <span class="en">Username</span>
    <input name="username" autocomplete="username" required autofocus></label>
  <label>密码 <span class="en">Password</span>
    <input name="password" type="password" autocomplete="current-password" required></label>
  <p class="form-error" data-error-for="_form" role="alert"></p>
  <button type="submit">登录 <span class="en">Sign in</span></button>
</form>
{demo_hint}
</main>"""
_DEMO_HINT = """<p class="muted">演示账号 agent / planner / admin（密码见 DISPATCH_DEMO_PASSWORD，默认 demo）·
Demo sign-ins: agent, planner, admin (password DISPATCH_DEMO_PASSWORD, default demo)</p>"""


@router.get("/console/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    settings = _settings(request)
    body = _LOGIN_BODY.format(demo_hint=_DEMO_HINT if settings.seeds_demo_world else "")
    page = render_page(settings, title="登录 / Sign in", module="login.js", body=body)
    return HTMLResponse(page)


_CONSOLE_BODY = """<header class="topbar">
  <h1>呼叫中心 <span class="en">Call center</span></h1>
  <button id="new-job-button" type="button">新建救援单 <span class="en">New job</span> <kbd>N</kbd></button>
  <a class="topbar-link" href="/console/followups">回访与指标
    <span class="en">Follow-ups &amp; KPIs</span></a>
  <span class="spacer"></span>
  <span id="stream-status" class="stream-status" data-status="connecting">连接中 / connecting</span>
  <span id="who"></span>
  <button id="sign-out" type="button">退出 <span class="en">Sign out</span></button>
</header>
<main id="console"></main>"""


@router.get("/console", response_class=HTMLResponse)
def console_page(request: Request) -> HTMLResponse:
    page = render_page(
        _settings(request),
        title="呼叫中心控制台 / Call-center console",
        module="console.js",
        body=_CONSOLE_BODY,
        leaflet=True,
    )
    return HTMLResponse(page)


_FOLLOWUPS_BODY = """<header class="topbar">
  <h1>回访与指标 <span class="en">Follow-ups &amp; KPIs</span></h1>
  <a class="topbar-link" href="/console">呼叫中心 <span class="en">Call center</span></a>
  <span class="spacer"></span>
  <span id="who"></span>
  <button id="sign-out" type="button">退出 <span class="en">Sign out</span></button>
</header>
<main id="followups" class="followups-page"></main>"""


@router.get("/console/followups", response_class=HTMLResponse)
def followups_page(request: Request) -> HTMLResponse:
    page = render_page(
        _settings(request),
        title="回访与指标 / Follow-ups and KPIs",
        module="followups.js",
        body=_FOLLOWUPS_BODY,
    )
    return HTMLResponse(page)
