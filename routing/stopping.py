"""When the search stops: the time limit, or earlier once the plan has stopped improving.

A day that VROOM seeds well is usually finished after a few rounds of local search; waiting out the rest of
the time limit only delays the planner's answer. :class:`SearchWatch` follows the cost of each solution the
search reports and ends the search once the best cost has not improved for ``patience_s`` (PyVRP's
``NoImprovement`` stopping criterion, measured in seconds rather than iterations). It needs no OR-Tools
import: it is handed the routing model and calls it back.
"""

from __future__ import annotations

import time
from typing import Any

from routing.plan import StopReason

_FINISHED_EARLY_S = 0.05
"""A search that ends this much before its limit, and was not stopped by us, ran out of moves."""


class SearchWatch:
    """Solution callback that remembers the best cost and stops the search after ``patience_s`` without
    improvement (never, when ``patience_s`` is None)."""

    def __init__(self, routing: Any, patience_s: float | None) -> None:
        self._routing = routing
        self._patience_s = patience_s
        self.started = time.perf_counter()
        self.best_cost: int | None = None
        self.improved_at = self.started
        self.stagnated = False
        self.solutions = 0

    def restart(self) -> None:
        """The clock starts when the search does (after the model is built and the seed read)."""
        self.started = self.improved_at = time.perf_counter()

    def at_solution(self) -> None:
        now = time.perf_counter()
        self.solutions += 1
        cost = int(self._routing.CostVar().Max())
        if self.best_cost is None or cost < self.best_cost:
            self.best_cost, self.improved_at = cost, now
        elif self._patience_s is not None and now - self.improved_at >= self._patience_s:
            self.stagnated = True
            self._routing.solver().FinishCurrentSearch()

    def reason(self, *, searched_s: float, limit_s: float) -> StopReason:
        """Why the search that just ended stopped."""
        if self.stagnated:
            return StopReason.STAGNATION
        if searched_s < limit_s - _FINISHED_EARLY_S:
            return StopReason.LOCAL_OPTIMUM
        return StopReason.TIME_LIMIT
