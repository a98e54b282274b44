"""The map's GCJ-02 display shift (static/datum.js) agrees with routing.datums, in the browser itself."""

from __future__ import annotations

from typing import Any

import pytest

from routing.datums import gcj02_to_wgs84, wgs84_to_gcj02

POINTS = [(29.2904, 121.4250), (39.9042, 116.4074), (22.5431, 114.0579), (43.8256, 87.6168), (48.85, 2.35)]


@pytest.mark.parametrize("point", POINTS)
def test_the_browser_shifts_like_the_server(page: Any, point: tuple[float, float]) -> None:
    page.goto("/console/login")
    shifted, back = page.evaluate(
        """async ([lat, lon]) => {
            const datum = await import("/static/web/datum.js");
            const shifted = datum.wgs84ToGcj02(lat, lon);
            return [shifted, datum.gcj02ToWgs84(...shifted)];
        }""",
        list(point),
    )
    expected = wgs84_to_gcj02(*point)
    assert shifted == pytest.approx(expected, abs=1e-9)
    assert back == pytest.approx(gcj02_to_wgs84(*expected), abs=1e-9)
    assert back == pytest.approx(point, abs=1e-7)
