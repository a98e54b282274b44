"""The planner console's HTML shell (planners, admins): coverage, campaigns and day plans.

    GET /console/planner     one page; the screens are chosen by the URL's fragment (#/campaigns/…)

Like every console page it carries no data; `static/planner.js` signs in through `api.js` and calls the
public planner API.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dispatch.settings import Settings
from dispatch.web.pages import render_page

router = APIRouter(include_in_schema=False)

_BODY = """<header class="topbar">
  <h1>服务规划 <span class="en">Planner</span></h1>
  <nav class="planner-nav">
    <a href="#/">覆盖与活动 <span class="en">Coverage &amp; campaigns</span></a>
  </nav>
  <span class="spacer"></span>
  <span id="who"></span>
  <button id="sign-out" type="button">退出 <span class="en">Sign out</span></button>
</header>
<main id="planner" class="planner"></main>"""


@router.get("/console/planner", response_class=HTMLResponse)
def planner_page(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    page = render_page(
        settings, title="服务规划 / Planner console", module="planner.js", body=_BODY, leaflet=True
    )
    return HTMLResponse(
        page.replace(
            '<link rel="stylesheet" href="/static/web/base.css">',
            '<link rel="stylesheet" href="/static/web/base.css">\n'
            '<link rel="stylesheet" href="/static/web/planner.css">',
            1,
        )
    )
