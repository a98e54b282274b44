"""The routing problem as plain frozen dataclasses.

Times are seconds from an origin the caller chooses (e.g. 00:00 local on the service day); the library knows
no calendars. Travel comes from a :class:`~routing.travel.TravelMatrix` over ``RoutingProblem.locations``,
either precomputed by the caller (any provider, or an explicit benchmark matrix) or built by
:func:`build_problem`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from routing.geodesy import Location
from routing.travel import TravelMatrix, TravelTimeProvider


@dataclass(frozen=True)
class TimeWindow:
    """Service may start at any second in ``[start_s, end_s]``."""

    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            raise ValueError(f"time window ends before it starts: {self}")


@dataclass(frozen=True)
class Visit:
    """A job at one place: a breakdown to fix, a customer car to service.

    ``windows`` empty means any time within the van's shift. A mandatory visit is never dropped silently:
    if it cannot be served the plan lists it as unserved with a reason. An optional visit may be dropped at
    the cost of ``drop_penalty_s`` (in seconds of travel it is worth).
    """

    id: str
    location: Location
    service_s: float = 0.0
    windows: tuple[TimeWindow, ...] = ()
    required_skills: frozenset[str] = frozenset()
    demand: int = 0
    mandatory: bool = True
    drop_penalty_s: float = 3600.0


@dataclass(frozen=True)
class LunchBreak:
    """A break of ``duration_s`` that must start within ``[earliest_start_s, latest_start_s]``."""

    earliest_start_s: float
    latest_start_s: float
    duration_s: float


@dataclass(frozen=True)
class Vehicle:
    """A rescue van or mobile service station for one shift.

    ``capacity`` None means unlimited; ``max_route_s`` None means only the shift limits the route.
    """

    id: str
    start: Location
    end: Location
    shift: TimeWindow
    skills: frozenset[str] = frozenset()
    capacity: int | None = None
    max_route_s: float | None = None
    lunch: LunchBreak | None = None

    @property
    def lunch_start_range_s(self) -> tuple[float, float] | None:
        """When the lunch may start so that it lies within the shift; None if no lunch applies today."""
        if self.lunch is None:
            return None
        earliest_s = max(self.lunch.earliest_start_s, self.shift.start_s)
        latest_s = min(self.lunch.latest_start_s, self.shift.end_s - self.lunch.duration_s)
        return (earliest_s, latest_s) if earliest_s <= latest_s else None

    def can_serve(self, visit: Visit) -> bool:
        """True if the van carries every skill the visit needs."""
        return visit.required_skills <= self.skills


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """Visits, vehicles, and the travel matrix between ``locations``.

    Every visit location and vehicle start/end must appear in ``locations``; the matrix rows and columns
    follow that order.
    """

    visits: tuple[Visit, ...]
    vehicles: tuple[Vehicle, ...]
    locations: tuple[Location, ...]
    matrix: TravelMatrix

    def __post_init__(self) -> None:
        n = len(self.locations)
        if self.matrix.shape != (n, n):
            raise ValueError(f"matrix is {self.matrix.shape}, expected {(n, n)} for {n} locations")
        if len(self.location_index) != n:
            raise ValueError("locations must be distinct")
        missing = [p for p in self._used_locations() if p not in self.location_index]
        if missing:
            raise ValueError(f"locations missing from the problem: {missing[:3]}")
        for ids, what in (([v.id for v in self.visits], "visit"), ([k.id for k in self.vehicles], "vehicle")):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{what} ids must be unique")

    @cached_property
    def location_index(self) -> dict[Location, int]:
        """Row/column of each location in the matrix."""
        return {loc: i for i, loc in enumerate(self.locations)}

    @cached_property
    def visit_by_id(self) -> dict[str, Visit]:
        """Visits keyed by id."""
        return {v.id: v for v in self.visits}

    @cached_property
    def vehicle_by_id(self) -> dict[str, Vehicle]:
        """Vehicles keyed by id."""
        return {k.id: k for k in self.vehicles}

    def with_longer_shifts(self, extra_s: float) -> RoutingProblem:
        """The same day with every shift ending ``extra_s`` later: the problem a plan with overtime solves."""
        if extra_s <= 0:
            return self
        vehicles = tuple(
            replace(k, shift=TimeWindow(k.shift.start_s, k.shift.end_s + extra_s)) for k in self.vehicles
        )
        return RoutingProblem(self.visits, vehicles, self.locations, self.matrix)

    def duration_s(self, origin: Location, destination: Location) -> float:
        """Driving seconds between two problem locations."""
        return float(self.matrix.duration_s[self.location_index[origin], self.location_index[destination]])

    def distance_km(self, origin: Location, destination: Location) -> float:
        """Road kilometres between two problem locations."""
        return float(self.matrix.distance_km[self.location_index[origin], self.location_index[destination]])

    def _used_locations(self) -> list[Location]:
        used = [v.location for v in self.visits]
        for k in self.vehicles:
            used += [k.start, k.end]
        return used


def distinct_locations(visits: Sequence[Visit], vehicles: Sequence[Vehicle]) -> tuple[Location, ...]:
    """Depots first, then visit locations, each once, in order of first appearance."""
    ordered: dict[Location, None] = {}
    for k in vehicles:
        ordered.setdefault(k.start)
        ordered.setdefault(k.end)
    for v in visits:
        ordered.setdefault(v.location)
    return tuple(ordered)


def build_problem(
    visits: Sequence[Visit], vehicles: Sequence[Vehicle], provider: TravelTimeProvider
) -> RoutingProblem:
    """Collect the distinct locations and ask ``provider`` for the matrix between them."""
    locations = distinct_locations(visits, vehicles)
    matrix = provider.matrix(locations, locations)
    return RoutingProblem(visits=tuple(visits), vehicles=tuple(vehicles), locations=locations, matrix=matrix)


@dataclass(frozen=True)
class PlanningConstraints:
    """Extra rules for re-planning on top of the problem.

    Attributes
    ----------
    locked_prefix
        Vehicle id → visit ids already done or under way, which stay first on that van, in that order.
    previous_vehicle
        Visit id → the van it was on in the published plan.
    reassignment_penalty_s
        Cost, in seconds of travel, of moving a visit off its ``previous_vehicle``; 0 disables the preference.
    closed_vehicles
        Vehicles that take no new visits (broken down); they keep only their locked prefix.
    """

    locked_prefix: dict[str, tuple[str, ...]] = field(default_factory=dict)
    previous_vehicle: dict[str, str] = field(default_factory=dict)
    reassignment_penalty_s: float = 0.0
    closed_vehicles: frozenset[str] = frozenset()

    @property
    def binding(self) -> bool:
        """False when nothing is locked, preferred or closed: a fresh plan may then be seeded freely."""
        preferred = self.reassignment_penalty_s > 0 and bool(self.previous_vehicle)
        return bool(self.locked_prefix) or preferred or bool(self.closed_vehicles)
