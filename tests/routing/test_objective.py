"""The planner's objective options: a limit on vans used, a price per van."""

import pytest

from routing.objective import Objective
from routing.problem import RoutingProblem, TimeWindow
from routing.solver import solve
from routing.validate import validate

from .conftest import HOUR, problem_of, van, visit


def _day() -> RoutingProblem:
    visits = [visit(f"j{i}", i, service_s=HOUR, windows=(TimeWindow(8 * HOUR, 12 * HOUR),)) for i in range(6)]
    return problem_of(visits, [van(f"k{n}") for n in range(4)])


def test_by_default_every_visit_is_served_using_as_many_vans_as_needed() -> None:
    problem = _day()
    plan = solve(problem, 0.5)
    assert plan.dropped == ()
    assert plan.vehicles_used >= 2  # four hours of windows, six hours of work


def test_a_limit_on_vans_drops_what_does_not_fit_on_them() -> None:
    problem = _day()
    plan = solve(problem, 0.5, objective=Objective(max_vehicles=1))
    assert plan.vehicles_used == 1
    assert validate(problem, plan) == []
    assert 0 < len(plan.dropped) < len(problem.visits)


def test_a_price_per_van_sends_out_fewer_vans_but_still_serves_everything() -> None:
    visits = [visit(f"j{i}", i, service_s=0.25 * HOUR) for i in range(6)]
    problem = problem_of(visits, [van(f"k{n}") for n in range(3)])
    plan = solve(problem, 0.5, objective=Objective(vehicle_cost_s=10 * HOUR))
    assert plan.vehicles_used == 1
    assert plan.dropped == ()


@pytest.mark.parametrize("bad", [{"max_vehicles": -1}, {"vehicle_cost_s": -5.0}])
def test_nonsense_objectives_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Objective(**bad)  # type: ignore[arg-type]
