"""Small rural scenarios around Ninghai county (Zhejiang), built with the default geodesic travel times."""

from collections.abc import Sequence

import pytest

from routing.geodesy import Location
from routing.problem import LunchBreak, RoutingProblem, TimeWindow, Vehicle, Visit, build_problem
from routing.travel import GeodesicTravelTimes

HOUR = 3600.0
STATION = Location(29.29, 121.43)


def village(i: int) -> Location:
    """Deterministic villages within ~25 km of the station."""
    return Location(29.29 + 0.02 * ((i * 7) % 11 - 5), 121.43 + 0.025 * ((i * 5) % 9 - 4))


def van(vehicle_id: str, **overrides: object) -> Vehicle:
    fields: dict[str, object] = {
        "id": vehicle_id,
        "start": STATION,
        "end": STATION,
        "shift": TimeWindow(8 * HOUR, 18 * HOUR),
    }
    fields.update(overrides)
    return Vehicle(**fields)  # type: ignore[arg-type]


def visit(visit_id: str, i: int, **overrides: object) -> Visit:
    fields: dict[str, object] = {"id": visit_id, "location": village(i), "service_s": 0.5 * HOUR}
    fields.update(overrides)
    return Visit(**fields)  # type: ignore[arg-type]


def problem_of(visits: Sequence[Visit], vehicles: Sequence[Vehicle]) -> RoutingProblem:
    return build_problem(visits, vehicles, GeodesicTravelTimes())


@pytest.fixture
def lunch() -> LunchBreak:
    return LunchBreak(earliest_start_s=11.5 * HOUR, latest_start_s=13 * HOUR, duration_s=HOUR)
