import pytest

from routing.plan import DropReason
from routing.problem import LunchBreak, TimeWindow
from routing.search import SearchSettings
from routing.solver import solve
from routing.validate import validate

from .conftest import HOUR, problem_of, van, visit

QUICK_S = 0.5


def test_everything_served_and_valid_on_a_small_day(lunch: LunchBreak) -> None:
    visits = [visit(f"j{i}", i, windows=(TimeWindow(8 * HOUR, 17 * HOUR),)) for i in range(8)]
    problem = problem_of(visits, [van("a", lunch=lunch), van("b", lunch=lunch)])
    plan = solve(problem, QUICK_S)
    assert plan.dropped == ()
    assert validate(problem, plan) == []
    assert sorted(v for r in plan.routes for v in r.visit_ids) == sorted(v.id for v in visits)
    assert plan.distance_km > 0 and plan.travel_h > 0
    for route in plan.routes:
        if route.stops:
            assert route.lunch is not None
            assert lunch.earliest_start_s <= route.lunch.start_s <= lunch.latest_start_s


def test_skills_route_visits_to_the_van_that_has_them() -> None:
    visits = [visit("ev", 1, required_skills=frozenset({"ev_battery"})), visit("tyre", 2)]
    problem = problem_of(visits, [van("plain"), van("ev_van", skills=frozenset({"ev_battery"}))])
    plan = solve(problem, QUICK_S)
    assert "ev" in plan.route_of("ev_van").visit_ids
    assert validate(problem, plan) == []


def test_time_window_is_respected_and_waiting_reported() -> None:
    late = visit("late", 3, windows=(TimeWindow(15 * HOUR, 15.5 * HOUR),))
    problem = problem_of([late], [van("a")])
    stop = solve(problem, QUICK_S).route_of("a").stops[0]
    assert 15 * HOUR <= stop.service_start_s <= 15.5 * HOUR
    assert stop.departure_s == pytest.approx(stop.service_start_s + 0.5 * HOUR)
    assert stop.arrival_s <= stop.service_start_s


def test_second_window_is_used_when_the_first_is_unreachable() -> None:
    windows = (TimeWindow(6 * HOUR, 7 * HOUR), TimeWindow(14 * HOUR, 15 * HOUR))
    problem = problem_of([visit("x", 4, windows=windows)], [van("a")])
    plan = solve(problem, QUICK_S)
    assert 14 * HOUR <= plan.route_of("a").stops[0].service_start_s <= 15 * HOUR
    assert validate(problem, plan) == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"required_skills": frozenset({"crane"})}, DropReason.NO_SKILLED_VEHICLE),
        ({"demand": 5}, DropReason.OVER_CAPACITY),
        ({"windows": (TimeWindow(20 * HOUR, 21 * HOUR),)}, DropReason.WINDOW_UNREACHABLE),
    ],
)
def test_impossible_mandatory_visit_is_reported_with_its_reason(
    overrides: dict[str, object], reason: DropReason
) -> None:
    problem = problem_of([visit("bad", 1, **overrides), visit("ok", 2, demand=1)], [van("a", capacity=2)])
    plan = solve(problem, QUICK_S)
    assert [(d.visit_id, d.mandatory, d.reason) for d in plan.dropped] == [("bad", True, reason)]
    assert plan.route_of("a").visit_ids == ("ok",)
    assert validate(problem, plan) == []


def test_overfull_day_reports_the_leftover_as_not_fitted() -> None:
    visits = [visit(f"j{i}", i, service_s=2 * HOUR) for i in range(7)]
    problem = problem_of(visits, [van("a")])
    plan = solve(problem, QUICK_S)
    assert 1 <= len(plan.dropped) <= 3
    assert {d.reason for d in plan.dropped} == {DropReason.NOT_FITTED}
    assert validate(problem, plan) == []


def test_capacity_splits_the_work_between_vans() -> None:
    visits = [visit(f"j{i}", i, demand=1) for i in range(6)]
    problem = problem_of(visits, [van("a", capacity=3), van("b", capacity=3)])
    plan = solve(problem, QUICK_S)
    assert [len(r.stops) for r in plan.routes] == [3, 3]


def test_optional_visit_is_dropped_when_it_costs_more_than_its_penalty() -> None:
    far = visit(
        "far", 1, location=visit("x", 0).location.__class__(30.2, 122.3), mandatory=False, drop_penalty_s=60
    )
    problem = problem_of([far, visit("near", 2)], [van("a")])
    plan = solve(problem, QUICK_S)
    assert [(d.visit_id, d.mandatory) for d in plan.dropped] == [("far", False)]


def test_max_route_duration_limits_the_day() -> None:
    visits = [visit(f"j{i}", i) for i in range(6)]
    problem = problem_of(visits, [van("a", max_route_s=3 * HOUR)])
    plan = solve(problem, QUICK_S)
    route = plan.route_of("a")
    assert route.end_s - route.start_s <= 3 * HOUR
    assert plan.dropped
    assert validate(problem, plan) == []


def test_initial_routes_are_accepted_as_a_starting_point() -> None:
    visits = [visit(f"j{i}", i) for i in range(5)]
    problem = problem_of(visits, [van("a"), van("b")])
    plan = solve(problem, QUICK_S, initial_routes=[["j0", "j1", "j2"], ["j3", "j4"]])
    assert plan.dropped == ()
    assert validate(problem, plan) == []


def test_no_vehicles_reports_every_visit_unserved() -> None:
    problem = problem_of([visit("a", 1)], [])
    plan = solve(problem, QUICK_S)
    assert plan.status == "no_vehicles"
    assert [(d.visit_id, d.reason) for d in plan.dropped] == [("a", DropReason.NO_SKILLED_VEHICLE)]
    assert validate(problem, plan) == []


def test_importing_the_package_does_not_load_ortools() -> None:
    import subprocess
    import sys

    code = "import sys, routing; assert not any(m.startswith('ortools') for m in sys.modules); routing.solve"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_search_seeded_with_a_plan_that_leaves_visits_out_pushes_harder(
    monkeypatch: pytest.MonkeyPatch, lunch: LunchBreak
) -> None:
    """Over-full days search with ``crowded_guided_lambda``; days the seed serves whole keep the default."""
    import routing.solver as solver_module

    used: list[float] = []
    original = solver_module._search_parameters

    def spy(*args: object, **kwargs: object) -> object:
        params = original(*args, **kwargs)  # type: ignore[arg-type]
        used.append(params.guided_local_search_lambda_coefficient)
        return params

    monkeypatch.setattr(solver_module, "_search_parameters", spy)
    shift = TimeWindow(8 * HOUR, 14 * HOUR)  # with lunch: five hours of work, eight asked for
    full = problem_of(
        [visit(f"j{i}", i, service_s=HOUR) for i in range(8)], [van("k0", shift=shift, lunch=lunch)]
    )
    light = problem_of([visit(f"j{i}", i) for i in range(2)], [van("k0", shift=shift, lunch=lunch)])
    over_full, fits = solve(full, 0.5), solve(light, 0.5)
    assert over_full.dropped and not fits.dropped
    settings = SearchSettings()
    assert used == [settings.crowded_guided_lambda, settings.guided_lambda]
