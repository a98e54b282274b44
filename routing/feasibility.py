"""Booking availability: can the day take one more visit? A quick answer that must not say no wrongly.

Checking a window is a small routing problem: the day's visits plus the candidate, all served inside their
windows. The cheap tries come first (insert into the day's current routes, then a descent from scratch);
only when both fail do VROOM (which understands the lunch break the descent keeps getting stuck on; its plan
is checked by our validator) and then the full day planner get a say, so that a window the day planner can
serve is not turned away.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.insertion import plan_with_insertion
from routing.problem import PlanningConstraints, RoutingProblem
from routing.schedule import build_plan
from routing.search import SearchSettings
from routing.solver import solve
from routing.validate import validate
from routing.vroomseed import vroom_solution

QUICK_SEARCH = SearchSettings(metaheuristic="greedy_descent", warm_start=False, vroom_seed=False)
"""Cheapest insertion then descent to the first local optimum: tens of milliseconds for 30 visits."""


def day_routes(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    constraints: PlanningConstraints | None = None,
    initial_routes: Sequence[Sequence[str]] | None = None,
) -> list[list[str]]:
    """Routes for the day's current visits, to insert a candidate into.

    ``initial_routes`` as they are when they hold exactly the day's visits (a stored plan: a descent would
    only shorten the driving and might fill the gaps a new visit needs); else a descent from them (visits
    they lack are inserted) or from scratch, and if that leaves any visit out, the full planner.
    """
    if initial_routes is not None and _holds_exactly(initial_routes, problem):
        return [list(route) for route in initial_routes]
    plan = solve(
        problem, time_limit_s, constraints=constraints, initial_routes=initial_routes, search=QUICK_SEARCH
    )
    if plan.dropped:
        plan = solve(
            problem,
            time_limit_s,
            constraints=constraints,
            initial_routes=initial_routes or [list(r.visit_ids) for r in plan.routes],
        )
    return [list(r.visit_ids) for r in plan.routes]


def _holds_exactly(routes: Sequence[Sequence[str]], problem: RoutingProblem) -> bool:
    ids = [visit_id for route in routes for visit_id in route]
    return len(routes) == len(problem.vehicles) and sorted(ids) == sorted(v.id for v in problem.visits)


def can_serve_all(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    current_routes: Sequence[Sequence[str]] | None = None,
    constraints: PlanningConstraints | None = None,
) -> bool:
    """Whether every visit of ``problem`` (the day's and the candidate) can be served inside its windows.

    Tries, cheapest and most repeatable first, until one serves everything: insert the candidate into the
    current routes exactly (:mod:`routing.insertion`), then by a descent from them; a descent from
    scratch; VROOM's plan, checked by :func:`routing.validate.validate` (not when re-planning: VROOM knows
    nothing of locked visits); the day planner itself.

    Parameters
    ----------
    problem
        The day's visits plus the candidate asking for a window.
    time_limit_s
        The budget of each try; most answer much sooner.
    current_routes
        Visit ids per vehicle serving the day now (without the candidate), to insert the candidate into.
    constraints
        The published plan's locks, when there is one.
    """
    if current_routes and _inserts(problem, current_routes):
        return True
    starts: list[Sequence[Sequence[str]] | None] = [current_routes, None] if current_routes else [None]
    for initial_routes in starts:
        plan = solve(
            problem, time_limit_s, constraints=constraints, initial_routes=initial_routes, search=QUICK_SEARCH
        )
        if not plan.dropped:
            return True
    if (constraints is None or not constraints.binding) and _vroom_serves_all(problem, time_limit_s):
        return True
    return not solve(problem, time_limit_s, constraints=constraints).dropped


def _inserts(problem: RoutingProblem, current_routes: Sequence[Sequence[str]]) -> bool:
    """The one visit missing from ``current_routes`` fits into them as they are (checked by the validator)."""
    present = {visit_id for route in current_routes for visit_id in route}
    missing = [v.id for v in problem.visits if v.id not in present]
    if len(missing) != 1 or len(current_routes) != len(problem.vehicles):
        return False
    return plan_with_insertion(problem, current_routes, missing[0]) is not None


def _vroom_serves_all(problem: RoutingProblem, time_limit_s: float) -> bool:
    routes = vroom_solution(problem, time_limit_s)
    if routes is None:
        return False
    plan = build_plan(problem, routes, {}, "vroom", -1, 0.0)
    return not plan.dropped and not validate(problem, plan)
