"""Coverage of the small seed world: Ninghai (宁海县) is beyond 30 km of any station, inside rescue reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from geopy.distance import geodesic
from sqlmodel import Session

from dispatch import cli
from dispatch.campaigns.geometry import contains_points, geodesic_circle
from dispatch.settings import Settings

Auth = Callable[[str], dict[str, str]]


def test_geodesic_circle_has_the_true_radius_not_degrees() -> None:
    circle = geodesic_circle(29.3, 121.4, 150.0)
    for lon, lat in list(circle.exterior.coords)[:-1:16]:
        assert geodesic((29.3, 121.4), (lat, lon)).km == pytest.approx(150.0, abs=0.01)
    # 150 km due east is inside; a "150 km" circle drawn in degrees (1.35°) would wrongly reach 1.5° east.
    east_lon = geodesic(kilometers=149.0).destination((29.3, 121.4), 90).longitude
    assert contains_points(circle, [29.3, 29.3], [east_lon, 121.4 + 1.6]).tolist() == [True, False]


def test_coverage_api_lists_ninghai_as_a_gap(client: TestClient, auth: Auth) -> None:
    response = client.get("/api/planner/coverage", headers=auth("planner"))
    assert response.status_code == 200, response.text
    body = response.json()
    service, rescue = body["service"], body["rescue"]
    assert service["radius_km"] == 30 and rescue["radius_km"] == 150
    assert service["counties_total"] == rescue["counties_total"] > 0
    assert 0 < service["counties_covered_pct"] < 100 and rescue["counties_covered_pct"] == 100
    ninghai = next(g for g in service["gaps"] if g["adcode"] == "330226")
    assert ninghai["name"] == "宁海县" and not ninghai["seat_covered"]
    assert ninghai["nearest_station_km"] > 30 and ninghai["owners"] == ninghai["owners_uncovered"] > 0
    uncovered_owners = sum(g["owners_uncovered"] for g in service["gaps"])
    assert service["owners_total"] - service["owners_covered"] == uncovered_owners
    assert client.get("/api/planner/coverage", headers=auth("agent")).status_code == 403


def test_coverage_geojson_for_maps(client: TestClient, auth: Auth) -> None:
    body = client.get("/api/planner/coverage.geojson", headers=auth("planner")).json()
    assert body["type"] == "FeatureCollection"
    areas = [f for f in body["features"] if f["properties"]["kind"] == "coverage"]
    assert {f["properties"]["layer"] for f in areas} == {"service", "rescue"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in areas)
    gap = next(f for f in body["features"] if f["properties"].get("adcode") == "330226")
    lon, lat = gap["geometry"]["coordinates"]
    assert 121 < lon < 122 and 29 < lat < 30  # (lon, lat) order, WGS-84


def test_agents_read_the_coverage_map_but_not_the_planners_report(client: TestClient, auth: Auth) -> None:
    """The call-center map shades the gaps; the coverage report (owners, campaigns) stays the planners'."""
    assert client.get("/api/planner/coverage.geojson", headers=auth("agent")).status_code == 200
    assert client.get("/api/planner/coverage", headers=auth("agent")).status_code == 403
    assert client.get("/api/planner/coverage.geojson", headers=auth("tech001")).status_code == 403


def test_cli_prints_the_table(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    cli.main(["coverage", "--limit", "50"])
    out = capsys.readouterr().out
    assert "服务覆盖 / Service coverage" in out and "救援覆盖 / Rescue coverage" in out
    assert "330226  宁海县" in out
