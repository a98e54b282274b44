"""The OR-Tools model: the only module that imports ``ortools``.

Nodes are the distinct depot locations followed by one node per visit. The arc cost is driving time (solver
units from :mod:`routing.scaling`); each visit is a disjunction whose penalty is huge for mandatory visits,
so the search first serves everything it can, then minimises travel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from routing import scaling
from routing.diagnose import unservable_alone
from routing.fleet import has_idle_surplus, without_spare_vehicles
from routing.geodesy import Location
from routing.objective import Objective
from routing.plan import DropReason, Plan, StopReason
from routing.problem import PlanningConstraints, RoutingProblem, TimeWindow
from routing.schedule import SolvedRoute, build_plan
from routing.search import SearchSettings
from routing.stopping import SearchWatch
from routing.vroomseed import vroom_routes
from routing.warmstart import expressible_in_pyvrp, pyvrp_routes

_TIME = "time"
_GRACE_MS = 1000
"""Extra search time when a seed could not be restored within the limit (see :func:`_run`)."""
_LOAD = "load"


@dataclass
class _Model:
    """The OR-Tools objects for one problem, plus the node bookkeeping needed to read a solution."""

    problem: RoutingProblem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    depots: list[Location]
    breaks: dict[int, pywrapcp.IntervalVar]

    def visit_node(self, visit_pos: int) -> int:
        return len(self.depots) + visit_pos

    def visit_index(self, visit_id: str) -> int:
        pos = self.problem.visits.index(self.problem.visit_by_id[visit_id])
        return int(self.manager.NodeToIndex(self.visit_node(pos)))


def solve(
    problem: RoutingProblem,
    time_limit_s: float = 5.0,
    *,
    constraints: PlanningConstraints | None = None,
    initial_routes: Sequence[Sequence[str]] | None = None,
    search: SearchSettings | None = None,
    objective: Objective | None = None,
) -> Plan:
    """Plan routes for every vehicle.

    Parameters
    ----------
    problem
        Visits, vehicles and the travel matrix.
    time_limit_s
        Wall-clock budget for the search; the best plan found by then is returned. The search answers
        earlier when it stops improving (``search.stagnation_share``); ``Plan.stop_reason`` says which.
    constraints
        Locks and reassignment preferences when re-planning (see :func:`routing.replan.replan`).
    initial_routes
        Visit ids per vehicle (in ``problem.vehicles`` order) to start the search from, e.g. the published
        plan; ignored if infeasible.
    search
        Effort and strategy: seeds, stopping, operators; the defaults suit both the Solomon benchmark and
        countryside days with lunch breaks.
    objective
        What a better plan is; by default as many visits served as possible, then the least driving.

    Returns
    -------
    Plan
        Routes, dropped visits with reasons, totals and solver status. Mandatory visits that could not be
        served are listed in ``Plan.dropped``, never silently missing.
    """
    started = time.perf_counter()
    settings = search or SearchSettings()
    objective = objective or Objective()
    shifts = problem
    problem = problem.with_longer_shifts(objective.max_overtime_s)
    alone = unservable_alone(problem)
    if not problem.vehicles:  # OR-Tools aborts the process on an empty fleet
        return build_plan(
            problem, [], alone, "no_vehicles", -1, time.perf_counter() - started, StopReason.NOTHING_TO_PLAN
        )
    start = _starting_point(problem, time_limit_s, settings, constraints, initial_routes, alone)
    constraints = constraints or PlanningConstraints()
    locked = {v for prefix in constraints.locked_prefix.values() for v in prefix}
    model = _build_model(
        start.problem, constraints, {k: r for k, r in alone.items() if k not in locked}, objective
    )
    remaining_s = max(0.05, time_limit_s - (time.perf_counter() - started))
    start_from = (
        None if start.routes is None else [list(start.routes.get(k.id, ())) for k in start.problem.vehicles]
    )
    watch = SearchWatch(model.routing, _patience_s(settings, time_limit_s))
    crowded = start.routes is not None and _seeded_visits(start.routes) < len(problem.visits) - len(alone)
    params = _search_parameters(settings, remaining_s, crowded=crowded)
    solution, seeded = _run(model, params, start_from, watch)
    wall_time_s = time.perf_counter() - started
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(model.routing.status())
    status = status.removeprefix("ROUTING_").lower()
    routes = [] if solution is None else _read_routes(model, solution)
    objective_value = -1 if solution is None else int(solution.ObjectiveValue())
    stop = watch.reason(searched_s=time.perf_counter() - watch.started, limit_s=remaining_s)
    seed = start.source if seeded else "none"
    plan = build_plan(problem, routes, alone, status, objective_value, wall_time_s, stop, seed)
    return _with_overtime(plan, shifts) if objective.max_overtime_s > 0 else plan


def _with_overtime(plan: Plan, shifts: RoutingProblem) -> Plan:
    """Each route's time past the end of its real shift."""
    routes = tuple(
        replace(r, overtime_s=max(0.0, r.end_s - shifts.vehicle_by_id[r.vehicle_id].shift.end_s))
        if r.stops
        else r
        for r in plan.routes
    )
    return replace(plan, routes=routes)


def _seeded_visits(routes: dict[str, list[str]]) -> int:
    return sum(len(route) for route in routes.values())


def _patience_s(settings: SearchSettings, time_limit_s: float) -> float | None:
    if settings.stagnation_share is None:
        return None
    return max(settings.min_stagnation_s, settings.stagnation_share * time_limit_s)


@dataclass(frozen=True)
class _Start:
    """The fleet the search works with, the routes it starts from, and where those came from."""

    problem: RoutingProblem
    routes: dict[str, list[str]] | None
    source: str


def _starting_point(
    problem: RoutingProblem,
    time_limit_s: float,
    settings: SearchSettings,
    constraints: PlanningConstraints | None,
    initial_routes: Sequence[Sequence[str]] | None,
    unservable: dict[str, DropReason],
) -> _Start:
    """The seed routes (caller's, PyVRP's, VROOM's, or a first solution) and the fleet to search with."""
    replanning = constraints is not None and constraints.binding
    if initial_routes is not None:
        seed = {k.id: list(route) for k, route in zip(problem.vehicles, initial_routes, strict=False)}
        if replanning:  # every vehicle keeps its identity and locks
            return _Start(problem, seed, "given")
        return _trimmed(problem, seed, "given", settings)
    if replanning:
        return _Start(problem, None, "none")
    share_s = settings.warm_start_share * time_limit_s
    found = pyvrp_routes(problem, share_s, skip=unservable) if settings.warm_start else None
    if found is not None:
        return _trimmed(problem, found, "pyvrp", settings)
    if settings.vroom_seed and not expressible_in_pyvrp(problem):
        vroom_s, level = settings.vroom_share * time_limit_s, settings.vroom_exploration
        found = vroom_routes(
            problem, vroom_s, skip=unservable, exploration_level=level, threads=settings.vroom_threads
        )
        if found is not None:
            return _trimmed(problem, found, "vroom", settings)
    if has_idle_surplus(problem, settings.spare_vehicles):
        found = _first_solution_routes(problem, settings, unservable, 0.3 * time_limit_s)
        if found is not None:
            return _trimmed(problem, found, "first_solution", settings)
    return _Start(problem, None, "none")


def _trimmed(
    problem: RoutingProblem, seed: dict[str, list[str]], source: str, settings: SearchSettings
) -> _Start:
    return _Start(without_spare_vehicles(problem, seed, settings.spare_vehicles), seed, source)


def _first_solution_routes(
    problem: RoutingProblem, settings: SearchSettings, unservable: dict[str, DropReason], time_limit_s: float
) -> dict[str, list[str]] | None:
    """Only the first-solution heuristic, to learn how many vehicles a good plan roughly needs."""
    model = _build_model(problem, PlanningConstraints(), unservable, Objective())
    params = _search_parameters(settings, time_limit_s)
    params.solution_limit = 1
    solution = model.routing.SolveWithParameters(params)
    if solution is None:
        return None
    return {route.vehicle_id: [v for v, _ in route.service_starts] for route in _read_routes(model, solution)}


def _build_model(
    problem: RoutingProblem,
    constraints: PlanningConstraints,
    unservable: dict[str, DropReason],
    objective: Objective,
) -> _Model:
    depots = list(dict.fromkeys(p for k in problem.vehicles for p in (k.start, k.end)))
    nodes = depots + [v.location for v in problem.visits]
    starts = [depots.index(k.start) for k in problem.vehicles]
    ends = [depots.index(k.end) for k in problem.vehicles]
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(problem.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    model = _Model(problem, manager, routing, depots, {})
    travel = _node_travel_units(problem, nodes)
    _add_costs(model, travel, constraints)
    _add_time(model, travel)
    _add_load(model)
    vehicle_cost = scaling.duration_to_units(objective.vehicle_cost_s)
    _add_vehicle_rules(model, objective, vehicle_cost)
    _add_visit_rules(model, constraints, unservable, vehicle_cost * len(problem.vehicles))
    _add_locks(model, constraints)
    return model


def _add_vehicle_rules(model: _Model, objective: Objective, vehicle_cost: int) -> None:
    routing = model.routing
    if vehicle_cost > 0:
        routing.SetFixedCostOfAllVehicles(vehicle_cost)
    if objective.max_overtime_s > 0 and objective.overtime_cost > 0:
        time_dim = routing.GetDimensionOrDie(_TIME)
        for k, vehicle in enumerate(model.problem.vehicles):  # shifts here already include the overtime
            shift_end = scaling.time_to_units_floor(vehicle.shift.end_s - objective.max_overtime_s)
            time_dim.SetCumulVarSoftUpperBound(routing.End(k), shift_end, objective.overtime_cost)
    if objective.max_vehicles is not None and objective.max_vehicles < len(model.problem.vehicles):
        solver = routing.solver()
        used = [routing.ActiveVehicleVar(k) for k in range(len(model.problem.vehicles))]
        solver.Add(solver.Sum(used) <= objective.max_vehicles)


def _node_travel_units(problem: RoutingProblem, nodes: list[Location]) -> NDArray[np.int64]:
    rows = [problem.location_index[p] for p in nodes]
    return scaling.durations_to_units(problem.matrix.duration_s[np.ix_(rows, rows)])


def _add_costs(model: _Model, travel: NDArray[np.int64], constraints: PlanningConstraints) -> None:
    routing = model.routing
    if constraints.reassignment_penalty_s <= 0 or not constraints.previous_vehicle:
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(travel.tolist()))
        return
    penalty = scaling.duration_to_units(constraints.reassignment_penalty_s)
    first_visit_node = len(model.depots)
    for k, vehicle in enumerate(model.problem.vehicles):
        moved = np.zeros(travel.shape[1], dtype=np.int64)
        for pos, visit in enumerate(model.problem.visits):
            previous = constraints.previous_vehicle.get(visit.id)
            if previous is not None and previous != vehicle.id:
                moved[first_visit_node + pos] = penalty
        cost = travel + moved[None, :]
        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(cost.tolist()), k)


def _add_time(model: _Model, travel: NDArray[np.int64]) -> None:
    problem, routing, manager = model.problem, model.routing, model.manager
    service = np.zeros(travel.shape[0], dtype=np.int64)
    for pos, visit in enumerate(problem.visits):
        service[model.visit_node(pos)] = scaling.duration_to_units(visit.service_s)
    horizon = max(scaling.time_to_units_floor(k.shift.end_s) for k in problem.vehicles)
    callback = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
    routing.AddDimension(callback, horizon, horizon, False, _TIME)
    time_dim = routing.GetDimensionOrDie(_TIME)
    # break constraints index the service times by solver index, not by node
    visit_transits = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size())]
    for k, vehicle in enumerate(problem.vehicles):
        shift = (
            scaling.time_to_units_ceil(vehicle.shift.start_s),
            scaling.time_to_units_floor(vehicle.shift.end_s),
        )
        time_dim.CumulVar(routing.Start(k)).SetRange(*shift)
        time_dim.CumulVar(routing.End(k)).SetRange(*shift)
        if vehicle.max_route_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(scaling.time_to_units_floor(vehicle.max_route_s), k)
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
        lunch_range = vehicle.lunch_start_range_s
        if vehicle.lunch is not None and lunch_range is not None:
            interval = routing.solver().FixedDurationIntervalVar(
                *scaling.window_to_units(*lunch_range),
                scaling.duration_to_units(vehicle.lunch.duration_s),
                False,
                f"lunch {vehicle.id}",
            )
            time_dim.SetBreakIntervalsOfVehicle([interval], k, visit_transits)
            model.breaks[k] = interval
    for pos, visit in enumerate(problem.visits):
        index = manager.NodeToIndex(model.visit_node(pos))
        if visit.windows and not _restrict_to_windows(time_dim.CumulVar(index), visit.windows, horizon):
            routing.ActiveVar(index).SetValue(0)


def _restrict_to_windows(cumul: pywrapcp.IntVar, windows: Sequence[TimeWindow], horizon: int) -> bool:
    """Limit service start to the windows (clipped to the horizon); False if none is left."""
    spans = sorted(
        (max(0, start), min(horizon, end))
        for start, end in (scaling.window_to_units(w.start_s, w.end_s) for w in windows)
    )
    spans = [(start, end) for start, end in spans if start <= end]
    if not spans:
        return False
    cumul.SetRange(spans[0][0], max(end for _, end in spans))
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach + 1:
            cumul.RemoveInterval(reach + 1, start - 1)
        reach = max(reach, end)
    return True


def _add_load(model: _Model) -> None:
    problem, routing = model.problem, model.routing
    if all(k.capacity is None for k in problem.vehicles) or all(v.demand == 0 for v in problem.visits):
        return
    demand = [0] * len(model.depots) + [v.demand for v in problem.visits]
    unlimited = sum(abs(d) for d in demand) + 1
    capacities = [unlimited if k.capacity is None else k.capacity for k in problem.vehicles]
    callback = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, _LOAD)


def _add_visit_rules(
    model: _Model, constraints: PlanningConstraints, unservable: dict[str, DropReason], fleet_cost: int
) -> None:
    """Each visit may be dropped at its penalty; a mandatory one costs more than any driving and vans."""
    problem, routing, manager = model.problem, model.routing, model.manager
    mandatory_penalty = scaling.mandatory_penalty_units(problem) + fleet_cost
    for pos, visit in enumerate(problem.visits):
        index = manager.NodeToIndex(model.visit_node(pos))
        penalty = mandatory_penalty if visit.mandatory else scaling.duration_to_units(visit.drop_penalty_s)
        routing.AddDisjunction([index], penalty)
        if visit.id in unservable:
            routing.ActiveVar(index).SetValue(0)
            continue
        barred = [
            k
            for k, vehicle in enumerate(problem.vehicles)
            if not vehicle.can_serve(visit) or vehicle.id in constraints.closed_vehicles
        ]
        if barred:
            routing.VehicleVar(index).RemoveValues(barred)


def _add_locks(model: _Model, constraints: PlanningConstraints) -> None:
    """Locked visits stay first on their van, in order: fix the chain of next-pointers from the start."""
    routing, solver = model.routing, model.routing.solver()
    for k, vehicle in enumerate(model.problem.vehicles):
        prefix = constraints.locked_prefix.get(vehicle.id, ())
        previous = routing.Start(k)
        for visit_id in prefix:
            index = model.visit_index(visit_id)
            routing.VehicleVar(index).SetValue(k)
            routing.ActiveVar(index).SetValue(1)
            solver.Add(routing.NextVar(previous) == index)
            previous = index


def _search_parameters(
    settings: SearchSettings, time_limit_s: float, *, crowded: bool = False
) -> pywrapcp.DefaultRoutingSearchParameters:
    """OR-Tools' parameters; ``crowded``: the search starts from a plan that leaves visits out."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(
        settings.first_solution.upper()
    )
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        settings.metaheuristic.upper()
    )
    params.guided_local_search_lambda_coefficient = (
        settings.crowded_guided_lambda
        if crowded and settings.crowded_guided_lambda is not None
        else settings.guided_lambda
    )
    for name in settings.extra_operators:
        setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)
    for name in settings.disabled_operators:
        setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    params.ls_operator_neighbors_ratio = settings.neighbors_ratio
    lns_time_limit_s = settings.lns_time_limit_s or min(0.1, time_limit_s / 100)
    params.lns_time_limit.FromMilliseconds(max(1, int(lns_time_limit_s * 1000)))
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    return params


def _run(
    model: _Model,
    params: pywrapcp.DefaultRoutingSearchParameters,
    initial_routes: Sequence[Sequence[str]] | None,
    watch: SearchWatch,
) -> tuple[pywrapcp.Assignment | None, bool]:
    """The best solution found, and whether the search started from ``initial_routes``."""
    routing = model.routing
    routing.AddAtSolutionCallback(watch.at_solution)
    if initial_routes is not None:
        known = model.problem.visit_by_id
        routes = [[model.visit_index(v) for v in route if v in known] for route in initial_routes]
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            watch.restart()
            solution = routing.SolveFromAssignmentWithParameters(start, params)
            if solution is not None:
                return solution, True
            # On a crowded machine the seed may not even be restored before the limit: a late plan beats none.
            params.time_limit.FromMilliseconds(max(_GRACE_MS, params.time_limit.ToMilliseconds()))
            solution = routing.SolveFromAssignmentWithParameters(start, params)
            if solution is not None:
                return solution, True
    watch.restart()
    return routing.SolveWithParameters(params), False


def _read_routes(model: _Model, solution: pywrapcp.Assignment) -> list[SolvedRoute]:
    routing, manager = model.routing, model.manager
    time_dim = routing.GetDimensionOrDie(_TIME)
    first_visit_node = len(model.depots)
    routes = []
    for k, vehicle in enumerate(model.problem.vehicles):
        index = routing.Start(k)
        start_units = solution.Min(time_dim.CumulVar(index))
        visits: list[tuple[str, int]] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            visit = model.problem.visits[manager.IndexToNode(index) - first_visit_node]
            visits.append((visit.id, solution.Min(time_dim.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        end_units = solution.Min(time_dim.CumulVar(index))
        lunch = model.breaks.get(k)
        lunch_start = None if lunch is None else scaling.units_to_s(solution.StartValue(lunch))
        routes.append(
            SolvedRoute(
                vehicle_id=vehicle.id,
                start_s=scaling.units_to_s(start_units),
                end_s=scaling.units_to_s(end_units),
                service_starts=[(v, scaling.units_to_s(t)) for v, t in visits],
                lunch_start_s=lunch_start,
            )
        )
    return routes
