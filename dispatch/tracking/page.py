"""The owner's tracking page: a small map and the status, phones first, no CDN (rural phones, slow links).

The page is a shell: `static/owner.js` reads the token from the page, opens the owner's websocket
(`/api/track/{token}/ws`) and draws what it says. The token is the owner's credential, so the page asks the
browser to send no Referer (map tiles and anything else it loads never see the link).
"""

from __future__ import annotations

import html

from dispatch.settings import Settings
from dispatch.web.pages import render_page

_BODY = """<main id="owner" class="owner" data-token="{token}">
<header class="owner-head">
  <h1>服务进度 <span class="en">Service tracking</span></h1>
  <span id="live" class="owner-live" data-status="connecting">连接中 / connecting</span>
</header>
<p id="reference" class="muted"></p>
<p id="status" class="owner-status">加载中… <span class="en">Loading…</span></p>
<div id="map" class="map owner-map" aria-label="地图 / Map"></div>
<dl id="facts" class="owner-facts"></dl>
</main>"""


def tracking_page(settings: Settings, token: str) -> str:
    body = _BODY.format(token=html.escape(token, quote=True))
    page = render_page(
        settings, title="服务进度 / Service tracking", module="owner.js", body=body, leaflet=True
    )
    # No Referer: the token in this page's URL must not travel to tile servers or anywhere else.
    return page.replace(
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<meta name="referrer" content="no-referrer">\n'
        '<link rel="stylesheet" href="/static/web/owner.css">',
        1,
    )
