"""VROOM as the warm start on days PyVRP cannot express (lunch breaks, skills)."""

from routing.plan import StopReason
from routing.problem import LunchBreak, RoutingProblem, TimeWindow
from routing.schedule import build_plan
from routing.search import SearchSettings
from routing.solver import solve
from routing.validate import validate
from routing.vroomseed import vroom_routes, vroom_solution

from .conftest import HOUR, problem_of, van, visit


def _two_hours_from(i: int) -> tuple[TimeWindow]:
    start_h = 8 + 2 * (i % 5)
    return (TimeWindow(start_h * HOUR, (start_h + 2) * HOUR),)


def _lunch_day(lunch: LunchBreak, visits: int = 10) -> RoutingProblem:
    jobs = [visit(f"j{i}", i, service_s=HOUR, windows=_two_hours_from(i)) for i in range(visits)]
    jobs[0] = visit("ev", 0, service_s=HOUR, required_skills=frozenset({"ev"}))
    return problem_of(jobs, [van("a", lunch=lunch), van("b", lunch=lunch, skills=frozenset({"ev"}))])


def test_vroom_plan_keeps_the_lunch_inside_its_window_and_validates(lunch: LunchBreak) -> None:
    problem = _lunch_day(lunch)
    routes = vroom_solution(problem, 2.0)
    assert routes is not None
    plan = build_plan(problem, routes, {}, "vroom", -1, 0.0)
    assert validate(problem, plan) == []
    assert plan.route_of("b").visit_ids.count("ev") == 1
    for route in plan.routes:
        if route.stops:
            assert route.lunch is not None
            assert lunch.earliest_start_s <= route.lunch.start_s <= lunch.latest_start_s


def test_lunch_day_is_seeded_by_vroom_and_never_serves_fewer(lunch: LunchBreak) -> None:
    problem = _lunch_day(lunch, visits=14)
    seed = vroom_routes(problem, 2.0)
    assert seed is not None
    plan = solve(problem, 2.0)
    assert plan.seed == "vroom"
    assert validate(problem, plan) == []
    served = sum(len(r.stops) for r in plan.routes)
    assert served >= sum(len(route) for route in seed.values())


def test_without_the_vroom_seed_the_search_starts_from_its_own_first_solution(lunch: LunchBreak) -> None:
    problem = _lunch_day(lunch)
    plan = solve(problem, 0.5, search=SearchSettings(vroom_seed=False))
    assert plan.seed == "none"
    assert validate(problem, plan) == []


def test_a_search_that_stops_improving_answers_early_and_says_so(lunch: LunchBreak) -> None:
    problem = _lunch_day(lunch, visits=6)
    patient = SearchSettings(stagnation_share=0.001, min_stagnation_s=0.05)
    plan = solve(problem, 60.0, search=patient)
    assert plan.stop_reason == StopReason.STAGNATION
    assert plan.dropped == ()
    never_stops = SearchSettings(stagnation_share=None)
    assert solve(problem, 0.3, search=never_stops).stop_reason == StopReason.TIME_LIMIT
    descent = SearchSettings(stagnation_share=None, metaheuristic="greedy_descent", vroom_seed=False)
    assert solve(problem, 60.0, search=descent).stop_reason == StopReason.LOCAL_OPTIMUM
