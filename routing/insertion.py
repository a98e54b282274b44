"""Put one more visit into fixed routes, exactly and without a search: the booking check's first try.

A local search with a time limit may run out of time before it even tries inserting the new visit (a busy
machine, a 60-visit day); this tries every position on every van that can serve it, with the lunch break
placed in every leg, and schedules each van as early as possible. It only ever says yes with a complete
timed plan, which :func:`routing.validate.validate` then checks; a no just means "ask the search".
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.plan import Plan
from routing.problem import RoutingProblem, TimeWindow, Vehicle, Visit
from routing.schedule import SolvedRoute, build_plan
from routing.validate import validate


def plan_with_insertion(
    problem: RoutingProblem, routes: Sequence[Sequence[str]], visit_id: str
) -> Plan | None:
    """A valid plan serving ``routes`` (visit ids per vehicle, in ``problem.vehicles`` order) plus
    ``visit_id`` inserted somewhere, or None if no single insertion works."""
    scheduled = [
        schedule_route(problem, vehicle, [problem.visit_by_id[v] for v in route])
        for vehicle, route in zip(problem.vehicles, routes, strict=True)
    ]
    if any(route is None for route in scheduled):
        return None
    candidate = problem.visit_by_id[visit_id]
    for k, vehicle in enumerate(problem.vehicles):
        if not vehicle.can_serve(candidate) or not _has_room(vehicle, routes[k], candidate, problem):
            continue
        for position in range(len(routes[k]) + 1):
            sequence = [problem.visit_by_id[v] for v in routes[k]]
            sequence.insert(position, candidate)
            route = schedule_route(problem, vehicle, sequence)
            if route is None:
                continue
            solved = [r for r in scheduled if r is not None]
            solved[k] = route
            plan = build_plan(problem, solved, {}, "inserted", -1, 0.0)
            if not plan.dropped and not validate(problem, plan):
                return plan
    return None


def _has_room(vehicle: Vehicle, route: Sequence[str], candidate: Visit, problem: RoutingProblem) -> bool:
    if vehicle.capacity is None:
        return True
    return sum(problem.visit_by_id[v].demand for v in route) + candidate.demand <= vehicle.capacity


def schedule_route(problem: RoutingProblem, vehicle: Vehicle, sequence: list[Visit]) -> SolvedRoute | None:
    """The earliest schedule of ``sequence`` on ``vehicle`` that keeps every rule, or None.

    With a lunch break, each leg is tried in turn; within a leg the break starts as early as it may (at
    departure, on the road, or while waiting at the next stop), which is never worse than any later start.
    """
    if vehicle.lunch is None or vehicle.lunch_start_range_s is None or not sequence:
        return _simulate(problem, vehicle, sequence, None)
    for leg in range(len(sequence) + 1):
        route = _simulate(problem, vehicle, sequence, leg)
        if route is not None:
            return route
    return None


def _simulate(
    problem: RoutingProblem, vehicle: Vehicle, sequence: list[Visit], lunch_leg: int | None
) -> SolvedRoute | None:
    """Leave at the start of the shift and serve each visit as early as its window allows."""
    start_s = clock_s = vehicle.shift.start_s
    place = vehicle.start
    lunch_start_s: float | None = None
    starts: list[tuple[str, float]] = []
    for leg in range(len(sequence) + 1):
        destination = sequence[leg].location if leg < len(sequence) else vehicle.end
        drive_s = problem.duration_s(place, destination)
        if leg == lunch_leg:
            lunch_start_s = _lunch_start(vehicle, clock_s)
            if lunch_start_s is None:
                return None
            # on the road the break adds its length to the drive; otherwise it ends before the next stop
            clock_s = max(clock_s + drive_s, lunch_start_s) + _lunch_s(vehicle)
        else:
            clock_s += drive_s
        if leg == len(sequence):
            break
        visit = sequence[leg]
        service_start_s = _service_start(visit.windows or (vehicle.shift,), clock_s)
        if service_start_s is None:
            return None
        starts.append((visit.id, service_start_s))
        clock_s = service_start_s + visit.service_s
        place = visit.location
    if clock_s > vehicle.shift.end_s:
        return None
    if vehicle.max_route_s is not None and clock_s - start_s > vehicle.max_route_s:
        return None
    return SolvedRoute(vehicle.id, start_s, clock_s, starts, lunch_start_s)


def _lunch_s(vehicle: Vehicle) -> float:
    return vehicle.lunch.duration_s if vehicle.lunch is not None else 0.0


def _lunch_start(vehicle: Vehicle, ready_s: float) -> float | None:
    allowed = vehicle.lunch_start_range_s
    if allowed is None:
        return None
    start_s = max(ready_s, allowed[0])
    return start_s if start_s <= allowed[1] else None


def _service_start(windows: Sequence[TimeWindow], ready_s: float) -> float | None:
    for window in sorted(windows, key=lambda w: w.start_s):
        if ready_s <= window.end_s:
            return max(ready_s, window.start_s)
    return None
