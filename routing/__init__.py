"""Pure routing library for roadside rescue and mobile-service dispatch.

Build a :class:`RoutingProblem` from frozen dataclasses (or :func:`build_problem` with a travel-time
provider), call :func:`solve` for a :class:`Plan` (what counts as better is an :class:`Objective`; how hard
to search, a :class:`~routing.search.SearchSettings`), check any plan with :func:`validate`, and ask
:func:`can_serve_all` whether a day can take one more visit.

This initialiser stays light: ``solve`` and ``replan`` are loaded on first use, so ``import routing`` never
imports OR-Tools and callers that only need geodesy or travel times pay nothing for the solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from routing.geodesy import Location, geodesic_km, haversine_km, within_radius
from routing.objective import Objective
from routing.plan import BreakPlacement, DroppedVisit, DropReason, Plan, Route, Stop, StopReason
from routing.problem import LunchBreak, RoutingProblem, TimeWindow, Vehicle, Visit, build_problem
from routing.travel import (
    CachedTravelTimes,
    GeodesicTravelTimes,
    TravelMatrix,
    TravelTimeProvider,
    TravelTimeUnavailable,
)
from routing.validate import Violation, validate

if TYPE_CHECKING:
    from routing.feasibility import can_serve_all
    from routing.replan import PlanChanges, replan
    from routing.solver import solve

__all__ = [
    "BreakPlacement", "CachedTravelTimes", "DropReason", "DroppedVisit", "GeodesicTravelTimes", "Location",
    "LunchBreak", "Objective", "Plan", "PlanChanges", "Route", "RoutingProblem", "Stop", "StopReason",
    "TimeWindow", "TravelMatrix", "TravelTimeProvider", "TravelTimeUnavailable", "Vehicle", "Violation",
    "Visit", "build_problem", "can_serve_all", "geodesic_km", "haversine_km", "replan", "solve", "validate",
    "within_radius",
]  # fmt: skip

_LAZY = {
    "solve": "routing.solver",
    "replan": "routing.replan",
    "PlanChanges": "routing.replan",
    "can_serve_all": "routing.feasibility",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'routing' has no attribute {name!r}")
