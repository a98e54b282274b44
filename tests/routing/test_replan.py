from routing.geodesy import Location
from routing.plan import DropReason, Plan
from routing.problem import RoutingProblem
from routing.replan import PlanChanges, changed_problem, replan
from routing.solver import solve
from routing.travel import GeodesicTravelTimes
from routing.validate import validate

from .conftest import HOUR, problem_of, van, visit


def published() -> tuple[RoutingProblem, Plan]:
    problem = problem_of([visit(f"j{i}", i) for i in range(8)], [van("a"), van("b")])
    return problem, solve(problem, 0.4)


def test_locked_visits_stay_first_in_order_on_their_van() -> None:
    problem, plan = published()
    route = plan.route_of("a")
    done = route.visit_ids[:2]
    result = replan(problem, plan, PlanChanges(progress={"a": done}), time_limit_s=0.4)
    assert result.plan.route_of("a").visit_ids[:2] == done
    assert validate(result.problem, result.plan) == []


def test_broken_down_van_hands_its_open_visits_to_the_other() -> None:
    problem, plan = published()
    done = plan.route_of("b").visit_ids[:1]
    changes = PlanChanges(broken_down=frozenset({"b"}), progress={"b": done})
    result = replan(problem, plan, changes, time_limit_s=0.4)
    assert result.plan.route_of("b").visit_ids == done
    moved_to_a = {m.visit_id for m in result.diff.moved if m.from_vehicle == "b" and m.to_vehicle == "a"}
    open_on_b = set(plan.route_of("b").visit_ids) - set(done)
    dropped = {d.visit_id for d in result.plan.dropped}
    assert open_on_b == moved_to_a | (open_on_b & dropped)
    assert all(d.reason == DropReason.NOT_FITTED for d in result.plan.dropped)
    assert validate(result.problem, result.plan) == []


def test_new_and_cancelled_visits_show_in_the_diff() -> None:
    problem, plan = published()
    cancelled = plan.route_of("a").visit_ids[0]
    newcomer = visit("new", 0, location=Location(29.35, 121.50))
    changes = PlanChanges(new_visits=(newcomer,), cancelled=frozenset({cancelled}))
    result = replan(problem, plan, changes, time_limit_s=0.4, provider=GeodesicTravelTimes())
    served = {v for r in result.plan.routes for v in r.visit_ids}
    assert "new" in served and cancelled not in served
    assert result.diff.added == ("new",) and result.diff.cancelled == (cancelled,)
    assert validate(result.problem, result.plan) == []


def test_delayed_van_leaves_later() -> None:
    problem, plan = published()
    result = replan(problem, plan, PlanChanges(delayed_starts_s={"a": 10 * HOUR}), time_limit_s=0.4)
    assert result.plan.route_of("a").start_s >= 10 * HOUR
    assert validate(result.problem, result.plan) == []


def test_reassignment_penalty_keeps_visits_on_their_vans() -> None:
    problem, plan = published()
    sticky = replan(problem, plan, PlanChanges(), time_limit_s=0.4, reassignment_penalty_s=4 * HOUR)
    assert sticky.diff.moved == ()


def test_changed_problem_strips_windows_from_locked_visits() -> None:
    problem, plan = published()
    locked = plan.route_of("a").visit_ids[:1]
    changed = changed_problem(problem, PlanChanges(progress={"a": locked}))
    assert changed.visit_by_id[locked[0]].windows == ()
