"""The one place where seconds and kilometres become the solver's integers.

OR-Tools works on int64. Durations are scaled by :data:`TIME_UNITS_PER_S` and rounded *up*, so a schedule
that is feasible in solver units is feasible in real seconds (each leg is at most one unit pessimistic).
Benchmarks with one-decimal data (Solomon) are represented exactly.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from routing.problem import RoutingProblem

TIME_UNITS_PER_S = 10
"""Solver time unit = 0.1 s: fine enough that rounding never changes a plan that matters."""

_FLOAT_NOISE = 1e-6


def duration_to_units(duration_s: float) -> int:
    """A duration, rounded up to whole solver units."""
    return math.ceil(duration_s * TIME_UNITS_PER_S - _FLOAT_NOISE)


def durations_to_units(duration_s: NDArray[np.float64]) -> NDArray[np.int64]:
    """A duration matrix, rounded up element-wise."""
    return np.ceil(duration_s * TIME_UNITS_PER_S - _FLOAT_NOISE).astype(np.int64)


def time_to_units_floor(time_s: float) -> int:
    """A latest-allowed instant (window end, shift end): rounding down keeps it a real promise."""
    return math.floor(time_s * TIME_UNITS_PER_S + _FLOAT_NOISE)


def time_to_units_ceil(time_s: float) -> int:
    """An earliest-allowed instant (window start, shift start)."""
    return math.ceil(time_s * TIME_UNITS_PER_S - _FLOAT_NOISE)


def window_to_units(start_s: float, end_s: float) -> tuple[int, int]:
    """An allowed interval of instants, shrunk inward to whole units but never emptied by rounding.

    A window narrower than one unit (e.g. 42918.75 s to 42918.75 s) keeps its rounded-up start, at most one
    unit late; windows that really are empty (``end_s < start_s``) stay empty.
    """
    start = time_to_units_ceil(start_s)
    end = time_to_units_floor(end_s)
    if end < start and end_s >= start_s:
        end = start
    return start, end


def units_to_s(units: int) -> float:
    """Back from solver units to seconds."""
    return units / TIME_UNITS_PER_S


def mandatory_penalty_units(problem: RoutingProblem) -> int:
    """Cost of leaving a mandatory visit unserved: more than any total travel plus every optional penalty,
    so serving one more mandatory visit always pays."""
    worst_leg = duration_to_units(float(problem.matrix.duration_s.max(initial=0.0)))
    optional = sum(duration_to_units(v.drop_penalty_s) for v in problem.visits if not v.mandatory)
    return (worst_leg + 1) * (2 * len(problem.visits) + 2 * len(problem.vehicles)) + optional + 1
