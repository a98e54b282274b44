"""Re-planning a published plan after the day changes.

Completed and in-progress visits are locked: they stay first on their van, in order. Everything else may
move, optionally resisted by a penalty per visit taken off its van, so dispatchers don't see a reshuffle
for a few seconds of saved driving.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from routing.geodesy import Location
from routing.plan import Plan
from routing.problem import PlanningConstraints, RoutingProblem, TimeWindow, Vehicle, Visit
from routing.solver import solve
from routing.travel import TravelMatrix, TravelTimeProvider


@dataclass(frozen=True)
class PlanChanges:
    """What happened since the plan was published.

    Attributes
    ----------
    new_visits
        Visits to add.
    cancelled
        Visit ids to remove.
    delayed_starts_s
        Vehicle id → the new earliest time it can leave its start depot.
    broken_down
        Vehicles that take no further visits; they keep their locked (done or started) visits.
    progress
        Vehicle id → visit ids completed or in progress on it, in order; these are locked.
    """

    new_visits: tuple[Visit, ...] = ()
    cancelled: frozenset[str] = frozenset()
    delayed_starts_s: Mapping[str, float] = field(default_factory=dict)
    broken_down: frozenset[str] = frozenset()
    progress: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class VisitMove:
    """A visit that changed van; None means unassigned (dropped) on that side."""

    visit_id: str
    from_vehicle: str | None
    to_vehicle: str | None


@dataclass(frozen=True)
class PlanDiff:
    moved: tuple[VisitMove, ...]
    added: tuple[str, ...]
    cancelled: tuple[str, ...]
    newly_dropped: tuple[str, ...]


@dataclass(frozen=True)
class Replan:
    """The changed problem, its new plan, and how the plan differs from the published one."""

    problem: RoutingProblem
    plan: Plan
    diff: PlanDiff


def replan(
    problem: RoutingProblem,
    plan: Plan,
    changes: PlanChanges,
    *,
    time_limit_s: float = 2.0,
    reassignment_penalty_s: float = 0.0,
    provider: TravelTimeProvider | None = None,
) -> Replan:
    """Re-plan after ``changes``, starting from the published ``plan``.

    Parameters
    ----------
    problem, plan
        The problem the published plan solved, and that plan.
    changes
        New and cancelled visits, delayed and broken-down vans, progress so far.
    time_limit_s
        Search budget.
    reassignment_penalty_s
        Seconds of travel a move must save before a visit leaves its van; 0 lets visits move freely.
    provider
        Prices trips to new locations; required only if a new visit is somewhere the problem has no row for.

    Returns
    -------
    Replan
        The new problem and plan, and the diff against the published plan.
    """
    new_problem = changed_problem(problem, changes, provider)
    constraints = PlanningConstraints(
        locked_prefix={k: tuple(v) for k, v in changes.progress.items()},
        previous_vehicle=_assignment(plan, exclude=changes.broken_down),
        reassignment_penalty_s=reassignment_penalty_s,
        closed_vehicles=changes.broken_down,
    )
    start_from = [
        [v for v in plan.route_of(k.id).visit_ids if v not in changes.cancelled]
        if any(r.vehicle_id == k.id for r in plan.routes) and k.id not in changes.broken_down
        else list(changes.progress.get(k.id, ()))
        for k in new_problem.vehicles
    ]
    new_plan = solve(new_problem, time_limit_s, constraints=constraints, initial_routes=start_from)
    return Replan(new_problem, new_plan, diff_plans(plan, new_plan, changes))


def changed_problem(
    problem: RoutingProblem, changes: PlanChanges, provider: TravelTimeProvider | None = None
) -> RoutingProblem:
    """The problem after ``changes``: locked visits lose their windows (they are done or under way)."""
    locked = {v for prefix in changes.progress.values() for v in prefix}
    visits = [
        _unwindowed(v) if v.id in locked else v for v in problem.visits if v.id not in changes.cancelled
    ]
    visits += list(changes.new_visits)
    vehicles = [_delayed(k, changes.delayed_starts_s.get(k.id)) for k in problem.vehicles]
    new_places = [v.location for v in changes.new_visits if v.location not in problem.location_index]
    locations, matrix = _extended_matrix(problem, list(dict.fromkeys(new_places)), provider)
    return RoutingProblem(tuple(visits), tuple(vehicles), locations, matrix)


def diff_plans(old: Plan, new: Plan, changes: PlanChanges) -> PlanDiff:
    """Which visits changed van, which are new, cancelled, or dropped now but not before."""
    before, after = _assignment(old), _assignment(new)
    added = {v.id for v in changes.new_visits}
    moved = tuple(
        VisitMove(visit_id, before.get(visit_id), after.get(visit_id))
        for visit_id in sorted((set(before) | set(after)) - added - changes.cancelled)
        if before.get(visit_id) != after.get(visit_id)
    )
    was_dropped = {d.visit_id for d in old.dropped}
    newly_dropped = tuple(d.visit_id for d in new.dropped if d.visit_id not in was_dropped)
    return PlanDiff(moved, tuple(sorted(added)), tuple(sorted(changes.cancelled)), newly_dropped)


def _assignment(plan: Plan, exclude: frozenset[str] = frozenset()) -> dict[str, str]:
    return {
        stop.visit_id: route.vehicle_id
        for route in plan.routes
        if route.vehicle_id not in exclude
        for stop in route.stops
    }


def _unwindowed(visit: Visit) -> Visit:
    return replace(visit, windows=(), mandatory=True)


def _delayed(vehicle: Vehicle, start_s: float | None) -> Vehicle:
    if start_s is None or start_s <= vehicle.shift.start_s:
        return vehicle
    return replace(vehicle, shift=TimeWindow(min(start_s, vehicle.shift.end_s), vehicle.shift.end_s))


def _extended_matrix(
    problem: RoutingProblem, new_places: list[Location], provider: TravelTimeProvider | None
) -> tuple[tuple[Location, ...], TravelMatrix]:
    if not new_places:
        return problem.locations, problem.matrix
    if provider is None:
        raise ValueError("new visits at unknown locations need a travel-time provider")
    locations = problem.locations + tuple(new_places)
    outbound = provider.matrix(locations, new_places)
    inbound = provider.matrix(new_places, problem.locations)
    distance_km = np.block([[problem.matrix.distance_km], [inbound.distance_km]])
    duration_s = np.block([[problem.matrix.duration_s], [inbound.duration_s]])
    distance_km = np.hstack([distance_km, outbound.distance_km])
    duration_s = np.hstack([duration_s, outbound.duration_s])
    return locations, TravelMatrix(distance_km, duration_s)
