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
    crowded_guided_lambda
        The GLS weight instead when the seed leaves visits out (an over-full day): a stronger push out of
        local optima finds room for more of them. On the countryside benchmark 0.7-1.0 served 2 more visits
        in 720 than 0.1 at 5 s; Solomon's seeds serve everything, so it keeps ``guided_lambda``. None: always
        ``guided_lambda``.
    extra_operators, disabled_operators
        Names of ``local_search_operators`` fields to switch on or off relative to OR-Tools' defaults.
    neighbors_ratio
        Fraction of nearest neighbours the local-search operators consider (1 = all).
    lns_time_limit_s
        Time cap on each large-neighbourhood move; None gives each 1 % of the time limit, at most OR-Tools'
        0.1 s, so one-second plans aren't spent in a handful of slow moves.
    warm_start
        Seed OR-Tools with a PyVRP plan when PyVRP is installed and can express the problem.
    warm_start_share
        Fraction of the time limit given to PyVRP for that seed; OR-Tools has the rest.
    spare_vehicles
        When seeded, how many unused vehicles of each interchangeable group OR-Tools may still open; a
        smaller fleet makes each local-search move cheaper.
    vroom_seed
        When PyVRP cannot express the day (lunch breaks, skills, several windows), seed OR-Tools with VROOM's
        plan instead (:mod:`routing.vroomseed`).
    vroom_share
        Fraction of the time limit VROOM may take (it usually answers sooner); OR-Tools has the rest.
    vroom_exploration
        VROOM's effort for that seed, 0-5.
    vroom_threads
        VROOM's worker threads for that seed (OR-Tools itself searches on one). Two threads did not change
        the countryside benchmark's totals on the shared 2-core machine, so one leaves the other core free.
    stagnation_share
        Stop the search once the plan has not improved for this fraction of the time limit (at least
        ``min_stagnation_s``); None searches until the time limit. The plan says which stopped it.
    min_stagnation_s
        The shortest wait for an improvement before stopping.
    """

    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    guided_lambda: float = 0.1
    crowded_guided_lambda: float | None = 1.0
    extra_operators: tuple[str, ...] = ()
    disabled_operators: tuple[str, ...] = ()
    neighbors_ratio: float = 1.0
    lns_time_limit_s: float | None = None
    warm_start: bool = True
    warm_start_share: float = 0.6
    spare_vehicles: int = 2
    vroom_seed: bool = True
    vroom_share: float = 0.7
    vroom_exploration: int = 5
    vroom_threads: int = 1
    stagnation_share: float | None = 0.2
    min_stagnation_s: float = 0.3
