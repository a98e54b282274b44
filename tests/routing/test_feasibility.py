"""The quick booking check: says yes to what fits, no to what cannot, and agrees with the day planner."""

from routing.feasibility import can_serve_all, day_routes
from routing.problem import LunchBreak, RoutingProblem, TimeWindow
from routing.solver import solve

from .conftest import HOUR, problem_of, van, visit

CHECK_S = 0.5


def _day(lunch: LunchBreak, extra_window: TimeWindow, extra_service_s: float = HOUR) -> RoutingProblem:
    visits = [
        visit(f"j{i}", i, service_s=HOUR, windows=(TimeWindow((8 + i) * HOUR, (10 + i) * HOUR),))
        for i in range(6)
    ]
    visits.append(visit("new", 7, service_s=extra_service_s, windows=(extra_window,)))
    return problem_of(visits, [van("a", lunch=lunch), van("b", lunch=lunch)])


def test_a_window_the_day_can_take_is_offered(lunch: LunchBreak) -> None:
    problem = _day(lunch, TimeWindow(14 * HOUR, 16 * HOUR))
    rest = RoutingProblem(problem.visits[:-1], problem.vehicles, problem.locations, problem.matrix)
    routes = day_routes(rest, time_limit_s=CHECK_S)
    assert sorted(v for route in routes for v in route) == sorted(v.id for v in rest.visits)
    assert can_serve_all(problem, time_limit_s=CHECK_S, current_routes=routes)
    assert not solve(problem, CHECK_S).dropped


def test_a_window_no_van_can_reach_is_refused(lunch: LunchBreak) -> None:
    too_late = TimeWindow(17.9 * HOUR, 18 * HOUR)  # service would end after the shift
    problem = _day(lunch, too_late)
    assert not can_serve_all(problem, time_limit_s=CHECK_S)


def test_a_day_too_full_for_one_more_is_refused(lunch: LunchBreak) -> None:
    vans = [van("a", lunch=lunch)]
    busy = [visit(f"j{i}", i, service_s=1.5 * HOUR) for i in range(5)]  # 7.5 h of work, 45 min lunch
    problem = problem_of([*busy, visit("new", 9, service_s=1.5 * HOUR)], vans)
    assert not can_serve_all(problem, time_limit_s=CHECK_S)
