import pytest

from routing import warmstart
from routing.problem import LunchBreak, RoutingProblem, TimeWindow
from routing.search import SearchSettings
from routing.solver import solve
from routing.validate import validate

from .conftest import HOUR, problem_of, van, visit


def test_pyvrp_seed_covers_every_visit_on_a_plain_problem() -> None:
    problem = problem_of(
        [visit(f"j{i}", i, demand=1) for i in range(10)], [van("a", capacity=6), van("b", capacity=6)]
    )
    routes = warmstart.pyvrp_routes(problem, 0.3)
    assert routes is not None
    assert sorted(v for route in routes.values() for v in route) == sorted(v.id for v in problem.visits)
    assert all(len(route) <= 6 for route in routes.values())


@pytest.mark.parametrize(
    "problem",
    [
        problem_of([visit("x", 1, required_skills=frozenset({"ev"}))], [van("a")]),
        problem_of(
            [visit("x", 1, windows=(TimeWindow(8 * HOUR, 9 * HOUR), TimeWindow(14 * HOUR, 15 * HOUR)))],
            [van("a")],
        ),
        problem_of([visit("x", 1)], [van("a", lunch=LunchBreak(12 * HOUR, 13 * HOUR, HOUR))]),
    ],
    ids=["skills", "two windows", "lunch"],
)
def test_problems_pyvrp_cannot_express_get_no_seed(problem: RoutingProblem) -> None:
    assert warmstart.pyvrp_routes(problem, 0.1) is None


def test_solver_degrades_gracefully_without_pyvrp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmstart, "pyvrp_available", lambda: False)
    problem = problem_of([visit(f"j{i}", i) for i in range(6)], [van("a"), van("b")])
    plan = solve(problem, 0.3)
    assert plan.dropped == ()
    assert validate(problem, plan) == []


def test_seeded_and_unseeded_plans_are_both_valid_and_list_every_vehicle() -> None:
    vans = [van(f"k{i}", capacity=4) for i in range(12)]  # enough interchangeable vans to be trimmed
    problem = problem_of([visit(f"j{i}", i, demand=1) for i in range(12)], vans)
    for settings in (SearchSettings(), SearchSettings(warm_start=False)):
        plan = solve(problem, 0.4, search=settings)
        assert [r.vehicle_id for r in plan.routes] == [k.id for k in vans]
        assert plan.dropped == ()
        assert validate(problem, plan) == []
