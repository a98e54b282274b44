"""Booking availability: can the day take one more visit? A quick answer that must not say no wrongly.

Checking a window is a small routing problem: the day's visits plus the candidate, all served inside their
windows. The cheap tries come first (insert into the day's current routes, then a descent from scratch);
only when both fail do VROOM (which understands the lunch break the descent keeps getting stuck on; its plan
is checked by our validator) and then the full day planner get a say, so that a window the day planner can
serve is not turned away.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """Routes for the day's current visits: a quick solve, or the full planner's if that drops any."""
    plan = solve(problem, time_limit_s, constraints=constraints, search=QUICK_SEARCH)
    if plan.dropped:
        plan = solve(
            problem,
            time_limit_s,
            constraints=constraints,
            initial_routes=initial_routes or [list(r.visit_ids) for r in plan.routes],
        )
    return [list(r.visit_ids) for r in plan.routes]


def can_serve_all(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    current_routes: Sequence[Sequence[str]] | None = None,
    constraints: PlanningConstraints | None = None,
) -> bool:
    """Whether every visit of ``problem`` (the day's and the candidate) can be served inside its windows.

    Tries, cheapest and most repeatable first, until one serves everything: insert the candidate into the
    current routes; a descent from scratch; VROOM's plan, checked by :func:`routing.validate.validate` (not
    when re-planning: VROOM knows nothing of locked visits); the day planner itself.

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


def _vroom_serves_all(problem: RoutingProblem, time_limit_s: float) -> bool:
    routes = vroom_solution(problem, time_limit_s)
    if routes is None:
        return False
    plan = build_plan(problem, routes, {}, "vroom", -1, 0.0)
    return not plan.dropped and not validate(problem, plan)
