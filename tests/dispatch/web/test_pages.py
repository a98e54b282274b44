"""The consoles' pages and static files come from the package itself: no CDN, nothing secret in a page."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from dispatch.settings import Settings
from dispatch.web.pages import render_page
from routing.datums import Datum


def test_pages_load_their_module_and_leaflet_from_this_server(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/web/console.js" in sources and "/static/leaflet/leaflet.js" in sources
    assert all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_shared_modules_are_served_as_javascript(client: TestClient) -> None:
    for name in ("api.js", "map.js", "datum.js", "login.js", "base.css"):
        response = client.get(f"/static/web/{name}")
        assert response.status_code == 200, name
    assert "javascript" in client.get("/static/web/api.js").headers["content-type"]
    assert client.get("/static/leaflet/images/marker-icon.png").status_code == 200


def test_the_page_config_carries_the_tile_settings_and_no_secret(settings: Settings) -> None:
    custom = settings.model_copy(
        update={
            "map_tile_url": "https://tiles.example/{z}/{x}/{y}.png?a=1&b=2",
            "map_tile_datum": Datum.GCJ02,
        }
    )
    page = render_page(custom, title="t", module="console.js", body="")
    match = re.search(r'data-config="([^"]*)"', page)
    assert match is not None
    config = json.loads(html.unescape(match.group(1)))
    assert config == {
        "tileUrl": "https://tiles.example/{z}/{x}/{y}.png?a=1&b=2",
        "tileDatum": "gcj02",
        "tileAttribution": "",
        "timezone": "Asia/Shanghai",
    }
    assert str(settings.secret_key) not in page
