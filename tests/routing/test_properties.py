"""Property-based: whatever small instance hypothesis builds, every plan the solver returns validates; VROOM's
seeds validate too and the planner never serves fewer mandatory visits than its seed; a van limit holds."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.diagnose import reason_unservable, unservable_alone
from routing.insertion import plan_with_insertion
from routing.objective import Objective
from routing.plan import DropReason
from routing.problem import LunchBreak, RoutingProblem, TimeWindow, Vehicle, Visit
from routing.schedule import build_plan
from routing.solver import solve
from routing.validate import validate
from routing.vroomseed import vroom_solution

from .conftest import HOUR, STATION, problem_of, village

SKILLS = st.frozensets(st.sampled_from(["ev", "glass", "crane"]), max_size=2)


@st.composite
def windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    spans = []
    for _ in range(draw(st.integers(0, 2))):
        start_h = draw(st.floats(6, 19))
        spans.append(TimeWindow(start_h * HOUR, (start_h + draw(st.floats(0.25, 4))) * HOUR))
    return tuple(spans)


@st.composite
def visits(draw: st.DrawFn, visit_id: str) -> Visit:
    return Visit(
        id=visit_id,
        location=village(draw(st.integers(0, 30))),
        service_s=draw(st.sampled_from([0.0, 600.0, 1800.0, 5400.0])),
        windows=draw(windows()),
        required_skills=draw(SKILLS),
        demand=draw(st.integers(0, 3)),
        mandatory=draw(st.booleans()),
        drop_penalty_s=draw(st.sampled_from([60.0, 3600.0])),
    )


@st.composite
def vehicles(draw: st.DrawFn, vehicle_id: str) -> Vehicle:
    start_h = draw(st.floats(6, 10))
    lunch = None
    if draw(st.booleans()):
        earliest_h = draw(st.floats(11, 13))
        lunch = LunchBreak(
            earliest_h * HOUR,
            (earliest_h + draw(st.floats(0, 1.5))) * HOUR,
            draw(st.sampled_from([1800.0, 3600.0])),
        )
    return Vehicle(
        id=vehicle_id,
        start=STATION,
        end=draw(st.sampled_from([STATION, village(3)])),
        shift=TimeWindow(start_h * HOUR, (start_h + draw(st.floats(4, 11))) * HOUR),
        skills=draw(SKILLS),
        capacity=draw(st.one_of(st.none(), st.integers(1, 8))),
        max_route_s=draw(st.one_of(st.none(), st.floats(2, 9).map(lambda h: h * HOUR))),
        lunch=lunch,
    )


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    vans = [draw(vehicles(f"van{k}")) for k in range(draw(st.integers(1, 3)))]
    jobs = [draw(visits(f"job{i}")) for i in range(draw(st.integers(0, 9)))]
    return problem_of(jobs, vans)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_solver_plan_validates(problem: RoutingProblem) -> None:
    plan = solve(problem, time_limit_s=0.2)
    assert plan.status in {"success", "optimal", "partial_success_local_optimum_not_reached"}
    assert validate(problem, plan) == []
    for dropped in plan.dropped:
        alone = reason_unservable(problem, problem.visit_by_id[dropped.visit_id])
        assert dropped.reason == (alone or DropReason.NOT_FITTED)


@st.composite
def vroom_problems(draw: st.DrawFn) -> RoutingProblem:
    """What VROOM can express exactly: everything but a maximum route duration."""
    problem = draw(problems())
    vans = [replace(k, max_route_s=None) for k in problem.vehicles]
    return problem_of(problem.visits, vans)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vroom_problems())
def test_vroom_plans_validate_and_the_planner_never_serves_fewer_mandatory_visits(
    problem: RoutingProblem,
) -> None:
    routes = vroom_solution(problem, 0.5, skip=unservable_alone(problem))
    if routes is None:
        assert (
            not problem.visits
            or not problem.vehicles
            or len(unservable_alone(problem)) == len(problem.visits)
        )
        return
    seeded = build_plan(problem, routes, {}, "vroom", -1, 0.0)
    assert validate(problem, seeded) == []
    plan = solve(problem, time_limit_s=0.3)
    assert validate(problem, plan) == []
    assert len(plan.unserved_mandatory) <= len(seeded.unserved_mandatory)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 2))
def test_a_limit_on_vans_is_never_exceeded(problem: RoutingProblem, max_vehicles: int) -> None:
    plan = solve(problem, time_limit_s=0.2, objective=Objective(max_vehicles=max_vehicles))
    assert plan.vehicles_used <= max_vehicles
    assert validate(problem, plan) == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vroom_problems())
def test_the_booking_check_takes_back_any_visit_of_a_solved_plan(problem: RoutingProblem) -> None:
    """Remove a served visit from a plan and offer it again: the check must find its place (no search)."""
    plan = solve(problem, time_limit_s=0.2)
    routes = [list(route.visit_ids) for route in plan.routes]
    served = [problem.visit_by_id[v] for route in routes for v in route]
    day = RoutingProblem(tuple(served), problem.vehicles, problem.locations, problem.matrix)
    for visit in served:
        without = [[v for v in route if v != visit.id] for route in routes]
        again = plan_with_insertion(day, without, visit.id)
        assert again is not None, visit.id
        assert validate(day, again) == []
