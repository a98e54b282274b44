"""What the planner returns: routes with a timed schedule, dropped visits with reasons, and totals."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DropReason(StrEnum):
    """Why a visit is not in the plan, most specific first."""

    NO_SKILLED_VEHICLE = "no_skilled_vehicle"
    """No van carries every skill the visit needs."""
    OVER_CAPACITY = "over_capacity"
    """The visit's demand exceeds the capacity of every van that could serve it."""
    WINDOW_UNREACHABLE = "window_unreachable"
    """No suitable van can reach it within a time window and get home within its shift."""
    NOT_FITTED = "not_fitted"
    """Feasible alone, but not fitted in the time available alongside the other visits."""
    CANCELLED = "cancelled"
    """Removed by the caller when re-planning."""


class StopReason(StrEnum):
    """Why the search stopped and answered."""

    TIME_LIMIT = "time_limit"
    """The time limit ran out while the search was still improving (or could not tell)."""
    STAGNATION = "stagnation"
    """The plan stopped improving for a while, so the search answered early."""
    LOCAL_OPTIMUM = "local_optimum"
    """No move improves the plan any more (a descent-only search ends here)."""
    NOTHING_TO_PLAN = "nothing_to_plan"
    """No vehicles, or nothing to search."""


@dataclass(frozen=True)
class Stop:
    """One visit on a route; all times in seconds from the problem's time origin."""

    visit_id: str
    arrival_s: float
    waiting_s: float
    service_start_s: float
    departure_s: float


@dataclass(frozen=True)
class BreakPlacement:
    """When the van's lunch break starts; ``after_stop`` is the number of stops served before it."""

    start_s: float
    duration_s: float
    after_stop: int


@dataclass(frozen=True)
class Route:
    """One vehicle's day: leave the start depot, serve ``stops`` in order, return to the end depot."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    start_s: float
    end_s: float
    distance_km: float
    travel_s: float
    waiting_s: float
    lunch: BreakPlacement | None = None
    overtime_s: float = 0.0
    """Time back at the depot after the end of the shift (only when the objective allows overtime)."""

    @property
    def visit_ids(self) -> tuple[str, ...]:
        """The visit order, the shape :func:`routing.solver.solve` accepts as ``initial_routes``."""
        return tuple(stop.visit_id for stop in self.stops)


@dataclass(frozen=True)
class DroppedVisit:
    """A visit left out of the plan, and the most likely reason, so dispatchers can act on it."""

    visit_id: str
    mandatory: bool
    reason: DropReason


@dataclass(frozen=True)
class Plan:
    """A solved plan. ``routes`` lists every vehicle, used or not (unused ones have no stops).

    ``status`` is the solver's word (``optimal``/``feasible``/``no_solution``/...), ``objective`` its internal
    integer cost, ``wall_time_s`` the time spent solving, ``stop_reason`` why the search stopped there, and
    ``seed`` where the search started (``"vroom"``, ``"pyvrp"``, ``"given"`` routes, or ``"none"``).
    """

    routes: tuple[Route, ...]
    dropped: tuple[DroppedVisit, ...]
    status: str
    objective: int
    wall_time_s: float
    stop_reason: StopReason = StopReason.TIME_LIMIT
    seed: str = "none"

    @property
    def distance_km(self) -> float:
        """Total road distance over all routes."""
        return sum(route.distance_km for route in self.routes)

    @property
    def travel_h(self) -> float:
        """Total driving time in hours, the quantity the solver minimises."""
        return sum(route.travel_s for route in self.routes) / 3600.0

    @property
    def overtime_h(self) -> float:
        """Total overtime over all routes, in hours."""
        return sum(route.overtime_s for route in self.routes) / 3600.0

    @property
    def waiting_h(self) -> float:
        """Total time spent waiting for windows to open, in hours."""
        return sum(route.waiting_s for route in self.routes) / 3600.0

    @property
    def vehicles_used(self) -> int:
        """Vehicles with at least one stop."""
        return sum(1 for route in self.routes if route.stops)

    @property
    def unserved_mandatory(self) -> tuple[DroppedVisit, ...]:
        """Mandatory visits the plan could not serve: these need a dispatcher's attention."""
        return tuple(d for d in self.dropped if d.mandatory)

    def route_of(self, vehicle_id: str) -> Route:
        """The route of one vehicle; KeyError for a vehicle not in the plan."""
        for route in self.routes:
            if route.vehicle_id == vehicle_id:
                return route
        raise KeyError(vehicle_id)
