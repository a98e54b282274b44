"""The planner's objective options: a limit on vans used, a price per van, a limit on overtime."""

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


def _late_day() -> RoutingProblem:
    """One van whose shift ends at 12:00; five one-hour visits, any time: only four fit in the shift."""
    visits = [visit(f"j{i}", i, service_s=HOUR) for i in range(5)]
    return problem_of(visits, [van("k0", shift=TimeWindow(8 * HOUR, 12 * HOUR))])


def test_without_overtime_the_shift_end_is_a_hard_limit() -> None:
    problem = _late_day()
    plan = solve(problem, 0.5)
    assert len(plan.dropped) >= 2
    assert plan.route_of("k0").overtime_s == 0.0
    assert validate(problem, plan) == []


def test_allowed_overtime_serves_more_and_the_plan_says_how_much_was_used() -> None:
    problem = _late_day()
    plan = solve(problem, 0.5, objective=Objective(max_overtime_s=3 * HOUR))
    route = plan.route_of("k0")
    assert plan.dropped == ()
    assert 0 < route.overtime_s <= 3 * HOUR
    assert route.overtime_s == pytest.approx(route.end_s - 12 * HOUR)
    assert plan.overtime_h == pytest.approx(route.overtime_s / HOUR)
    assert validate(problem, plan, allowed_overtime_s=3 * HOUR) == []
    late = validate(problem, plan)
    assert [v.kind for v in late] == ["shift"], "against the shift alone the plan runs late"


def test_overtime_is_only_used_when_it_serves_a_visit() -> None:
    visits = [visit(f"j{i}", i, service_s=0.5 * HOUR) for i in range(3)]
    problem = problem_of(visits, [van("k0", shift=TimeWindow(8 * HOUR, 12 * HOUR))])
    plan = solve(problem, 0.5, objective=Objective(max_overtime_s=3 * HOUR))
    assert plan.dropped == ()
    assert plan.route_of("k0").overtime_s == 0.0, "the work fits the shift: no overtime"


def test_overtime_cannot_push_a_visit_out_of_its_window() -> None:
    late_window = (TimeWindow(13 * HOUR, 14 * HOUR),)
    problem = problem_of(
        [visit("j0", 0, windows=late_window)], [van("k0", shift=TimeWindow(8 * HOUR, 12 * HOUR))]
    )
    plan = solve(problem, 0.5, objective=Objective(max_overtime_s=HOUR))
    assert [d.visit_id for d in plan.dropped] == ["j0"], "the van would finish after 13:00 + service + drive"


@pytest.mark.parametrize(
    "bad",
    [{"max_vehicles": -1}, {"vehicle_cost_s": -5.0}, {"max_overtime_s": -1.0}, {"overtime_cost": -1}],
)
def test_nonsense_objectives_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Objective(**bad)  # type: ignore[arg-type]
