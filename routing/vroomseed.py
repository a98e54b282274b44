"""A first plan from VROOM, which understands lunch breaks, skills and several windows per visit.

PyVRP (:mod:`routing.warmstart`) cannot express a lunch break, so on countryside days OR-Tools used to start
from its own cheapest insertion. VROOM models the break the same way we do (it must *start* within a window,
so the whole break stays inside the crew's lunch window), plus skills and multiple windows, and answers in a
fraction of a second on a day of 30-90 visits. Its routes, with the break pinned where VROOM put it, become
OR-Tools' initial routes; OR-Tools still owns the full constraint set and the final answer.

VROOM works on the same integer time units as OR-Tools (:mod:`routing.scaling`, rounded up), so a schedule
VROOM finds is feasible in real seconds too. Features VROOM cannot express exactly (a maximum route duration)
are left to OR-Tools, which rejects an infeasible seed and starts from its own first solution.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Collection
from datetime import timedelta
from typing import Any

import numpy as np

from routing import scaling
from routing.problem import RoutingProblem, Vehicle, Visit
from routing.schedule import SolvedRoute

MANDATORY_PRIORITY = 100
"""VROOM maximises the summed priority of served jobs first: mandatory visits outrank optional ones."""
_BREAK_ID_BASE = 1_000_000


def vroom_available() -> bool:
    """True if the ``pyvroom`` package can be imported."""
    return importlib.util.find_spec("vroom") is not None


def vroom_solution(
    problem: RoutingProblem,
    time_limit_s: float,
    *,
    exploration_level: int = 5,
    threads: int = 1,
    skip: Collection[str] = (),
) -> list[SolvedRoute] | None:
    """VROOM's routes with service starts and lunch starts (seconds), or None without VROOM or visits.

    Parameters
    ----------
    problem
        The full problem; re-planning locks are not VROOM's business (the caller seeds from the old plan).
    time_limit_s
        VROOM's timeout; at exploration level 5 it usually finishes well before.
    exploration_level
        VROOM's search effort, 0-5.
    threads
        VROOM's worker threads.
    skip
        Visit ids to leave out (known to be unservable).
    """
    if not vroom_available() or not problem.vehicles:
        return None
    import vroom

    jobs = [
        (pos, v)
        for pos, v in enumerate(problem.visits)
        if v.id not in skip and (_merged_windows(v) or not v.windows)
    ]
    if not jobs:
        return None
    model = vroom.Input()
    model.set_durations_matrix(profile="car", matrix_input=_unit_matrix(problem))
    skills = _skill_numbers(problem)
    with_load = any(k.capacity is not None for k in problem.vehicles) and any(
        v.demand for v in problem.visits
    )
    unlimited = sum(v.demand for v in problem.visits) + 1
    for k, vehicle in enumerate(problem.vehicles):
        model.add_vehicle(
            _vroom_vehicle(vroom, problem, k, vehicle, skills, unlimited if with_load else None)
        )
    for pos, visit in jobs:
        model.add_job(_vroom_job(vroom, problem, pos, visit, skills, with_load))
    solution = model.solve(
        exploration_level=exploration_level,
        nb_threads=threads,
        timeout=timedelta(seconds=max(0.01, time_limit_s)),
    )
    return _read_routes(problem, solution.routes)


def vroom_routes(
    problem: RoutingProblem,
    time_limit_s: float,
    *,
    skip: Collection[str] = (),
    exploration_level: int = 5,
    threads: int = 1,
) -> dict[str, list[str]] | None:
    """Visit ids per vehicle id from a VROOM run, the shape the solver seeds from; None if unavailable."""
    routes = vroom_solution(
        problem, time_limit_s, skip=skip, exploration_level=exploration_level, threads=threads
    )
    if routes is None:
        return None
    return {r.vehicle_id: [visit_id for visit_id, _ in r.service_starts] for r in routes}


def _unit_matrix(problem: RoutingProblem) -> Any:
    units = scaling.durations_to_units(problem.matrix.duration_s)
    return np.minimum(units, np.iinfo(np.uint32).max).astype(np.uint32)


def _skill_numbers(problem: RoutingProblem) -> dict[str, int]:
    names = sorted({s for v in problem.visits for s in v.required_skills})
    return {name: n + 1 for n, name in enumerate(names)}


def _vroom_vehicle(
    vroom: Any,
    problem: RoutingProblem,
    k: int,
    vehicle: Vehicle,
    skills: dict[str, int],
    capacity_if_loaded: int | None,
) -> Any:
    extra: dict[str, Any] = {}
    lunch_range = vehicle.lunch_start_range_s
    if vehicle.lunch is not None and lunch_range is not None:
        earliest, latest = scaling.window_to_units(*lunch_range)
        extra["breaks"] = [
            vroom.Break(
                _BREAK_ID_BASE + k,
                time_windows=[vroom.TimeWindow(earliest, latest)],
                service=scaling.duration_to_units(vehicle.lunch.duration_s),
            )
        ]
    if capacity_if_loaded is not None:
        extra["capacity"] = [capacity_if_loaded if vehicle.capacity is None else vehicle.capacity]
    shift = scaling.window_to_units(vehicle.shift.start_s, vehicle.shift.end_s)
    return vroom.Vehicle(
        k,
        start=problem.location_index[vehicle.start],
        end=problem.location_index[vehicle.end],
        skills={skills[s] for s in vehicle.skills if s in skills},
        time_window=vroom.TimeWindow(*shift),
        **extra,
    )


def _vroom_job(
    vroom: Any, problem: RoutingProblem, pos: int, visit: Visit, skills: dict[str, int], with_load: bool
) -> Any:
    extra: dict[str, Any] = {}
    if visit.windows:
        extra["time_windows"] = [vroom.TimeWindow(start, end) for start, end in _merged_windows(visit)]
    if with_load:
        extra["delivery"] = vroom.Amount([visit.demand])
    return vroom.Job(
        pos,
        location=problem.location_index[visit.location],
        default_service=scaling.duration_to_units(visit.service_s),
        skills={skills[s] for s in visit.required_skills},
        priority=MANDATORY_PRIORITY if visit.mandatory else 0,
        **extra,
    )


def _merged_windows(visit: Visit) -> list[tuple[int, int]]:
    """The visit's windows in solver units, sorted and with overlaps merged, as VROOM requires."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(scaling.window_to_units(w.start_s, w.end_s) for w in visit.windows):
        if start > end:
            continue
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _read_routes(problem: RoutingProblem, steps: Any) -> list[SolvedRoute]:
    """One :class:`SolvedRoute` per used vehicle, times back in seconds."""
    routes = []
    for vehicle_number, route in steps.groupby("vehicle_id", sort=False):
        vehicle = problem.vehicles[int(vehicle_number)]
        starts: list[tuple[str, float]] = []
        lunch_start_s = None
        start_s = end_s = vehicle.shift.start_s
        for step in route.to_dict("records"):
            begins = scaling.units_to_s(int(step["arrival"]) + int(step["waiting_time"]) + int(step["setup"]))
            if step["type"] == "job":
                starts.append((problem.visits[int(step["id"])].id, begins))
            elif step["type"] == "break":
                lunch_start_s = begins
            elif step["type"] == "start":
                start_s = scaling.units_to_s(int(step["arrival"]))
            elif step["type"] == "end":
                end_s = scaling.units_to_s(int(step["arrival"]))
        if starts:
            routes.append(SolvedRoute(vehicle.id, start_s, end_s, starts, lunch_start_s))
    return routes
