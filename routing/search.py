"""How hard and how the solver searches: plain settings, no OR-Tools import.

The defaults are what the Solomon benchmark favoured on a 2-core machine (see ``benchmarks/solomon.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchSettings:
    """Knobs for the OR-Tools search; names follow OR-Tools' enums, lower-case.

    Attributes
    ----------
    first_solution
        A ``FirstSolutionStrategy`` name, e.g. ``"parallel_cheapest_insertion"``.
    metaheuristic
        A ``LocalSearchMetaheuristic`` name, e.g. ``"guided_local_search"``.
    guided_lambda
        GLS penalty weight; OR-Tools' default is 0.1.
    extra_operators
        Names of ``local_search_operators`` fields to switch on beyond OR-Tools' defaults.
    """

    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    guided_lambda: float = 0.1
    extra_operators: tuple[str, ...] = ()
