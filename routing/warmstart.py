"""Optional warm start: a first plan from PyVRP's hybrid genetic search, handed to OR-Tools to finish.

PyVRP finds very good VRPTW routes quickly but knows nothing of lunch breaks, skills, or several time
windows per visit, so it is used only when the problem has none of those; OR-Tools still takes the full
constraint set and improves from the seed. PyVRP is an optional dependency: without it, or for problems it
cannot express, :func:`pyvrp_routes` returns None and the solver starts from its own first solution.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Collection
from typing import Any

from routing import scaling
from routing.problem import RoutingProblem, Vehicle


def pyvrp_available() -> bool:
    return importlib.util.find_spec("pyvrp") is not None


def expressible_in_pyvrp(problem: RoutingProblem) -> bool:
    """True if PyVRP can model the problem exactly: no skills that split the fleet, one window, no lunch."""
    if any(len(v.windows) > 1 for v in problem.visits):
        return False
    if any(k.lunch_start_range_s is not None for k in problem.vehicles):
        return False
    return all(k.can_serve(v) for k in problem.vehicles for v in problem.visits)


def pyvrp_routes(
    problem: RoutingProblem, time_limit_s: float, skip: Collection[str] = (), seed: int = 0
) -> dict[str, list[str]] | None:
    """Visit ids per vehicle id from a PyVRP run, or None if PyVRP is missing, unsuitable or infeasible.

    Parameters
    ----------
    problem
        The full problem.
    time_limit_s
        PyVRP's run time.
    skip
        Visit ids to leave out (e.g. known to be unservable).
    seed
        PyVRP's random seed, for reproducible plans.
    """
    if not pyvrp_available() or not expressible_in_pyvrp(problem):
        return None
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    model, visit_ids = _pyvrp_model(Model(), problem, set(skip))
    if not visit_ids:
        return None
    with warnings.catch_warnings():
        # PyVRP warns when it struggles to reach feasibility; an infeasible seed is simply not used
        warnings.simplefilter("ignore")
        result = model.solve(stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False)
    if not result.is_feasible():
        return None
    return _assign_routes(problem, result.best, visit_ids)


def _vehicle_type_key(vehicle: Vehicle) -> tuple[object, ...]:
    return (vehicle.start, vehicle.end, vehicle.shift, vehicle.capacity, vehicle.max_route_s)


def _vehicle_types(problem: RoutingProblem) -> list[tuple[Vehicle, int]]:
    """One representative and a count per group of interchangeable vehicles, in first-seen order."""
    groups: dict[tuple[object, ...], list[Vehicle]] = {}
    for k in problem.vehicles:
        groups.setdefault(_vehicle_type_key(k), []).append(k)
    return [(members[0], len(members)) for members in groups.values()]


def _pyvrp_model(model: Any, problem: RoutingProblem, skip: set[str]) -> tuple[Any, list[str]]:
    """Depots, vehicle types and clients, all on the solver's integer time scale."""
    units = scaling.durations_to_units(problem.matrix.duration_s)
    depot_places = list(dict.fromkeys(p for k in problem.vehicles for p in (k.start, k.end)))
    depots = {p: model.add_depot(model.add_location(x=p.lon, y=p.lat)) for p in depot_places}
    with_capacity = any(k.capacity is not None for k in problem.vehicles)
    unlimited = sum(v.demand for v in problem.visits) + 1
    for vehicle, count in _vehicle_types(problem):
        early, late = scaling.window_to_units(vehicle.shift.start_s, vehicle.shift.end_s)
        extra: dict[str, Any] = {}
        if with_capacity:
            extra["capacity"] = [unlimited if vehicle.capacity is None else vehicle.capacity]
        if vehicle.max_route_s is not None:
            extra["shift_duration"] = scaling.time_to_units_floor(vehicle.max_route_s)
        model.add_vehicle_type(
            num_available=count,
            start_depot=depots[vehicle.start],
            end_depot=depots[vehicle.end],
            tw_early=early,
            tw_late=late,
            **extra,
        )
    nodes = [(p, depots[p]) for p in depot_places]
    visit_ids = []
    # every client is optional so that an over-full day still yields a seed; mandatory ones are worth the most
    mandatory_prize = scaling.mandatory_penalty_units(problem)
    for visit in problem.visits:
        if visit.id in skip:
            continue
        window = visit.windows[0] if visit.windows else None
        early, late = (0, 2**50) if window is None else scaling.window_to_units(window.start_s, window.end_s)
        prize = mandatory_prize if visit.mandatory else scaling.duration_to_units(visit.drop_penalty_s)
        client = model.add_client(
            model.add_location(x=visit.location.lon, y=visit.location.lat),
            delivery=[visit.demand] if with_capacity else [],
            service_duration=scaling.duration_to_units(visit.service_s),
            tw_early=early,
            tw_late=late,
            required=False,
            prize=prize,
        )
        nodes.append((visit.location, client))
        visit_ids.append(visit.id)
    _add_edges(model, problem, nodes, units)
    return model, visit_ids


def _add_edges(model: Any, problem: RoutingProblem, nodes: list[tuple[Any, Any]], units: Any) -> None:
    rows = [problem.location_index[place] for place, _ in nodes]
    locations = model.locations
    for a, row in enumerate(rows):
        for b, col in enumerate(rows):
            if a != b:
                cost = int(units[row, col])
                model.add_edge(locations[a], locations[b], distance=cost, duration=cost)


def _assign_routes(problem: RoutingProblem, solution: Any, visit_ids: list[str]) -> dict[str, list[str]]:
    """PyVRP numbers vehicle types in creation order; hand each type's routes to that type's vehicles."""
    by_type: dict[tuple[object, ...], list[str]] = {}
    for k in problem.vehicles:
        by_type.setdefault(_vehicle_type_key(k), []).append(k.id)
    type_vehicles = list(by_type.values())
    routes: dict[str, list[str]] = {}
    for route in solution.routes():
        free = type_vehicles[route.vehicle_type()]
        routes[free.pop(0)] = [visit_ids[activity.idx] for activity in route if activity.is_client()]
    return routes
