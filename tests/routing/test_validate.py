"""The validator must be able to fail: hand-made bad plans, each breaking one rule."""

from dataclasses import replace

import pytest

from routing.plan import BreakPlacement, DroppedVisit, DropReason, Plan, Route
from routing.problem import LunchBreak, RoutingProblem, TimeWindow
from routing.solver import solve
from routing.validate import validate

from .conftest import HOUR, problem_of, van, visit


@pytest.fixture(scope="module")
def solved() -> tuple[RoutingProblem, Plan]:
    lunch = LunchBreak(11.5 * HOUR, 13 * HOUR, HOUR)
    visits = [
        visit("a1", 1, windows=(TimeWindow(8 * HOUR, 12 * HOUR),), demand=1),
        visit("a2", 2, demand=1),
        visit("a3", 3, windows=(TimeWindow(13 * HOUR, 16 * HOUR),), demand=1),
        visit("ev", 4, required_skills=frozenset({"ev"}), demand=1),
    ]
    vans = [van("k1", capacity=4, lunch=lunch, skills=frozenset({"ev"}))]
    problem = problem_of(visits, vans)
    plan = solve(problem, 0.5)
    assert validate(problem, plan) == []
    assert plan.route_of("k1").stops and not plan.dropped
    return problem, plan


def kinds(problem: RoutingProblem, plan: Plan) -> set[str]:
    return {v.kind for v in validate(problem, plan)}


def with_route(plan: Plan, route: Route) -> Plan:
    return replace(plan, routes=(route,))


def shifted(route: Route, index: int, by_s: float) -> Route:
    stops = list(route.stops)
    s = stops[index]
    stops[index] = replace(
        s,
        arrival_s=s.arrival_s + by_s,
        service_start_s=s.service_start_s + by_s,
        departure_s=s.departure_s + by_s,
    )
    return replace(route, stops=tuple(stops))


def test_visit_served_twice(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    assert "visited_twice" in kinds(
        problem, with_route(plan, replace(route, stops=route.stops + route.stops[:1]))
    )


def test_missing_mandatory_visit(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    assert "missing" in kinds(problem, with_route(plan, replace(route, stops=route.stops[1:])))


def test_served_and_dropped(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    first = plan.routes[0].stops[0].visit_id
    bad = replace(plan, dropped=(DroppedVisit(first, True, DropReason.NOT_FITTED),))
    assert "served_and_dropped" in kinds(problem, bad)


def test_unknown_visit(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    bad = replace(plan, dropped=(DroppedVisit("ghost", True, DropReason.NOT_FITTED),))
    assert "unknown_visit" in kinds(problem, bad)


def test_skill_and_capacity(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    weaker = replace(problem.vehicles[0], skills=frozenset(), capacity=3)
    other = RoutingProblem(problem.visits, (weaker,), problem.locations, problem.matrix)
    assert {"skill", "capacity"} <= kinds(other, plan)


def test_time_window_missed(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    index = route.visit_ids.index("a3")
    assert "time_window" in kinds(problem, with_route(plan, shifted(route, index, 10 * HOUR)))


def test_travel_faster_than_the_matrix(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    first = route.stops[0]
    early = shifted(route, 0, route.start_s - first.service_start_s)  # starts service the moment it leaves
    assert "travel_time" in kinds(problem, with_route(plan, early))


def test_service_cut_short(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    stops = list(route.stops)
    stops[1] = replace(stops[1], departure_s=stops[1].departure_s - 600)
    assert "service_time" in kinds(problem, with_route(plan, replace(route, stops=tuple(stops))))


def test_shift_overrun_and_max_duration(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    late = replace(route, end_s=19 * HOUR)
    assert "shift" in kinds(problem, with_route(plan, late))
    short_day = replace(problem.vehicles[0], max_route_s=1 * HOUR)
    other = RoutingProblem(problem.visits, (short_day,), problem.locations, problem.matrix)
    assert "max_duration" in kinds(other, plan)


def test_lunch_missing_outside_window_or_overlapping(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    assert "break" in kinds(problem, with_route(plan, replace(route, lunch=None)))
    early = BreakPlacement(9 * HOUR, HOUR, 0)
    assert "break" in kinds(problem, with_route(plan, replace(route, lunch=early)))
    busy = route.stops[0]
    overlapping = BreakPlacement(busy.service_start_s, HOUR, 0)
    assert "break" in kinds(problem, with_route(plan, replace(route, lunch=overlapping)))


def test_wrong_totals(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    route = plan.routes[0]
    assert "totals" in kinds(problem, with_route(plan, replace(route, distance_km=route.distance_km * 0.9)))


def test_unknown_vehicle(solved: tuple[RoutingProblem, Plan]) -> None:
    problem, plan = solved
    assert "unknown_vehicle" in kinds(problem, with_route(plan, replace(plan.routes[0], vehicle_id="nobody")))
