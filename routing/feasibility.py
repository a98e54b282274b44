"""Booking availability: can the day take one more visit? A quick answer that must not say no wrongly.

Checking a window is a small routing problem: the day's visits plus the candidate, all served inside their
windows. The cheap tries come first (insert into the day's current routes, then a descent from scratch);
only when both fail does the full planner get a say (its VROOM seed understands the lunch break that the
descent keeps getting stuck on), so a window the day planner can serve is not turned away.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.problem import PlanningConstraints, RoutingProblem
from routing.search import SearchSettings
from routing.solver import solve

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

    Parameters
    ----------
    problem
        The day's visits plus the candidate asking for a window.
    time_limit_s
        The budget of each try; the full planner's try, the last, may stop early on stagnation.
    current_routes
        Visit ids per vehicle serving the day now (without the candidate), to insert the candidate into.
    constraints
        The published plan's locks, when there is one.
    """
    starts: list[Sequence[Sequence[str]] | None] = (
        [None] if current_routes is None else [current_routes, None]
    )
    for initial_routes in starts:
        plan = solve(
            problem, time_limit_s, constraints=constraints, initial_routes=initial_routes, search=QUICK_SEARCH
        )
        if not plan.dropped:
            return True
    return not solve(problem, time_limit_s, constraints=constraints).dropped
