"""The planner console's page and modules come from the package: no CDN, one module per screen."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PLANNER_MODULES = (
    "planner.js",
    "planner_coverage.js",
    "planner_campaign.js",
    "planner_day.js",
    "planner_shared.js",
    "planner.css",
    "owner.js",
    "owner.css",
)


def test_the_planner_page_loads_its_module_css_and_leaflet_from_this_server(client: TestClient) -> None:
    page = client.get("/console/planner")
    assert page.status_code == 200
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page.text) if not s.startswith("#")]
    assert {"/static/web/planner.js", "/static/web/planner.css", "/static/leaflet/leaflet.js"} <= set(sources)
    assert all(source.startswith("/") for source in sources), sources
    assert page.text.index("服务规划") < page.text.index("Planner")


def test_every_planner_and_owner_module_is_served(client: TestClient) -> None:
    for name in PLANNER_MODULES:
        response = client.get(f"/static/web/{name}")
        assert response.status_code == 200, name
        assert "http://" not in response.text and "https://" not in response.text, name


def test_modules_import_only_modules_that_exist(client: TestClient) -> None:
    for name in PLANNER_MODULES:
        if not name.endswith(".js"):
            continue
        for imported in re.findall(r'from "\./([\w.]+)"', client.get(f"/static/web/{name}").text):
            assert client.get(f"/static/web/{imported}").status_code == 200, (name, imported)
