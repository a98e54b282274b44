"""An independent check of any plan against its problem.

Everything is recomputed from the problem (matrix, windows, shifts, skills, capacities) and the plan's
sequences and reported times; nothing is taken from the solver's bookkeeping. An empty list means valid.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from routing.plan import Plan, Route
from routing.problem import RoutingProblem, Vehicle, Visit


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``kind`` is a short stable tag, ``subject`` the visit or vehicle id."""

    kind: str
    subject: str
    message: str


def validate(
    problem: RoutingProblem, plan: Plan, tolerance_s: float = 0.5, *, allowed_overtime_s: float = 0.0
) -> list[Violation]:
    """Every way ``plan`` breaks ``problem``'s rules.

    Parameters
    ----------
    problem
        The problem the plan claims to solve.
    plan
        Routes with reported times, and dropped visits.
    tolerance_s
        Slack allowed when comparing reported times with times recomputed from the matrix.
    allowed_overtime_s
        How long after its shift a van may return (the objective's ``max_overtime_s``).

    Returns
    -------
    list of Violation
        Empty when the plan is valid.
    """
    problem = problem.with_longer_shifts(allowed_overtime_s)
    violations = _coverage(problem, plan)
    seen_vehicles: set[str] = set()
    for route in plan.routes:
        vehicle = problem.vehicle_by_id.get(route.vehicle_id)
        if vehicle is None or route.vehicle_id in seen_vehicles:
            violations.append(Violation("unknown_vehicle", route.vehicle_id, "unknown or repeated vehicle"))
            continue
        seen_vehicles.add(route.vehicle_id)
        visits = [problem.visit_by_id[s.visit_id] for s in route.stops if s.visit_id in problem.visit_by_id]
        if len(visits) != len(route.stops):
            continue
        violations += _vehicle_fit(vehicle, visits)
        violations += _schedule(problem, vehicle, route, visits, tolerance_s)
        violations += _totals(problem, vehicle, route, visits, tolerance_s)
    return violations


def _coverage(problem: RoutingProblem, plan: Plan) -> list[Violation]:
    served = Counter(stop.visit_id for route in plan.routes for stop in route.stops)
    dropped = Counter(d.visit_id for d in plan.dropped)
    out = []
    for visit_id in sorted((set(served) | set(dropped)) - set(problem.visit_by_id)):
        out.append(Violation("unknown_visit", visit_id, "visit is not in the problem"))
    for visit in problem.visits:
        times = served[visit.id]
        if times > 1:
            out.append(Violation("visited_twice", visit.id, f"served {times} times"))
        if times and dropped[visit.id]:
            out.append(Violation("served_and_dropped", visit.id, "both served and reported dropped"))
        if not times and not dropped[visit.id]:
            out.append(Violation("missing", visit.id, "neither served nor reported dropped"))
    for d in plan.dropped:
        known = problem.visit_by_id.get(d.visit_id)
        if known is not None and d.mandatory != known.mandatory:
            out.append(Violation("wrong_mandatory_flag", d.visit_id, "dropped entry misstates mandatory"))
    return out


def _vehicle_fit(vehicle: Vehicle, visits: list[Visit]) -> list[Violation]:
    out = [
        Violation("skill", v.id, f"{vehicle.id} lacks {sorted(v.required_skills - vehicle.skills)}")
        for v in visits
        if not vehicle.can_serve(v)
    ]
    load = sum(v.demand for v in visits)
    if vehicle.capacity is not None and load > vehicle.capacity:
        out.append(Violation("capacity", vehicle.id, f"load {load} exceeds capacity {vehicle.capacity}"))
    return out


def _lunch_leg(route: Route, tolerance_s: float) -> int | None:
    """The leg (0 = before the first stop) in which the lunch is taken, or None if off the route."""
    if route.lunch is None or not route.stops:
        return None
    lunch = route.lunch
    if (
        lunch.start_s + lunch.duration_s <= route.start_s + tolerance_s
        or lunch.start_s >= route.end_s - tolerance_s
    ):
        return None
    return sum(1 for stop in route.stops if stop.departure_s <= lunch.start_s + tolerance_s)


def _schedule(
    problem: RoutingProblem, vehicle: Vehicle, route: Route, visits: list[Visit], tol: float
) -> list[Violation]:
    out = _lunch_rules(vehicle, route, tol)
    lunch_leg = _lunch_leg(route, tol)
    lunch_s = route.lunch.duration_s if route.lunch is not None else 0.0
    if route.start_s < vehicle.shift.start_s - tol:
        out.append(Violation("shift", vehicle.id, "leaves before the shift starts"))
    place, departure_s = vehicle.start, route.start_s
    for leg, (stop, visit) in enumerate(zip(route.stops, visits, strict=True)):
        earliest_s = (
            departure_s + problem.duration_s(place, visit.location) + (lunch_s if leg == lunch_leg else 0)
        )
        if stop.service_start_s < earliest_s - tol:
            out.append(
                Violation("travel_time", visit.id, f"starts {earliest_s - stop.service_start_s:.1f} s early")
            )
        if stop.arrival_s > stop.service_start_s + tol or stop.arrival_s < departure_s - tol:
            out.append(Violation("arrival", visit.id, "reported arrival inconsistent with the schedule"))
        if abs(stop.departure_s - stop.service_start_s - visit.service_s) > tol:
            out.append(
                Violation("service_time", visit.id, "departure is not start of service + service time")
            )
        if visit.windows and not any(
            w.start_s - tol <= stop.service_start_s <= w.end_s + tol for w in visit.windows
        ):
            out.append(Violation("time_window", visit.id, f"service starts at {stop.service_start_s:.1f} s"))
        place, departure_s = visit.location, stop.departure_s
    if route.stops:
        home_s = (
            departure_s
            + problem.duration_s(place, vehicle.end)
            + (lunch_s if lunch_leg == len(visits) else 0)
        )
        if route.end_s < home_s - tol:
            out.append(Violation("travel_time", vehicle.id, "back at the depot before it can get there"))
        if route.end_s > vehicle.shift.end_s + tol:
            out.append(
                Violation("shift", vehicle.id, f"returns {route.end_s - vehicle.shift.end_s:.1f} s late")
            )
        if vehicle.max_route_s is not None and route.end_s - route.start_s > vehicle.max_route_s + tol:
            out.append(Violation("max_duration", vehicle.id, "route longer than its maximum duration"))
    return out


def _lunch_rules(vehicle: Vehicle, route: Route, tol: float) -> list[Violation]:
    allowed = vehicle.lunch_start_range_s
    if vehicle.lunch is None or allowed is None or not route.stops:
        return []
    lunch = route.lunch
    if lunch is None:
        return [Violation("break", vehicle.id, "no lunch break placed")]
    out = []
    if not allowed[0] - tol <= lunch.start_s <= allowed[1] + tol:
        out.append(
            Violation("break", vehicle.id, f"lunch starts at {lunch.start_s:.1f} s, outside its window")
        )
    if lunch.duration_s < vehicle.lunch.duration_s - tol:
        out.append(Violation("break", vehicle.id, "lunch shorter than required"))
    lunch_end_s = lunch.start_s + lunch.duration_s
    for stop in route.stops:
        if lunch.start_s < stop.departure_s - tol and stop.service_start_s < lunch_end_s - tol:
            out.append(Violation("break", vehicle.id, f"lunch overlaps service of {stop.visit_id}"))
    return out


def _totals(
    problem: RoutingProblem, vehicle: Vehicle, route: Route, visits: list[Visit], tol: float
) -> list[Violation]:
    if not visits:
        return []
    path = [vehicle.start, *(v.location for v in visits), vehicle.end]
    distance_km = sum(problem.distance_km(a, b) for a, b in zip(path, path[1:], strict=False))
    travel_s = sum(problem.duration_s(a, b) for a, b in zip(path, path[1:], strict=False))
    out = []
    if abs(distance_km - route.distance_km) > 1e-6 * max(1.0, distance_km):
        out.append(
            Violation(
                "totals", vehicle.id, f"distance {route.distance_km:.3f} km, recomputed {distance_km:.3f}"
            )
        )
    if abs(travel_s - route.travel_s) > tol:
        out.append(
            Violation("totals", vehicle.id, f"travel {route.travel_s:.1f} s, recomputed {travel_s:.1f}")
        )
    return out
