"""What makes one plan better than another: plain settings, no OR-Tools import.

The default is the product's rule: serve as many visits as possible, then drive as little as possible. The
options are the planners' common asks (fewer vans, some overtime to fit more owners in); each is a hard limit
or a price in seconds of driving, so the solver can weigh it against travel.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    """The planner's goal.

    Attributes
    ----------
    max_vehicles
        At most this many vans leave the depot (None: the whole fleet may be used). Visits that do not fit
        on those vans are dropped, as when the day is full.
    vehicle_cost_s
        A price for each van used, in seconds of driving: a van is sent out only if it saves more driving
        than this (0: vans are free, only driving counts). Serving a mandatory visit always pays more.
    max_overtime_s
        How long after the end of its shift a van may still be working (0: the shift end is a hard limit).
        Visits keep their own windows; overtime only lets the day run longer.
    overtime_cost
        Each second of overtime costs as much as this many seconds of driving, so the plan runs over only
        where that serves a visit (always worth it) or saves more driving than it costs.
    """

    max_vehicles: int | None = None
    vehicle_cost_s: float = 0.0
    max_overtime_s: float = 0.0
    overtime_cost: int = 2

    def __post_init__(self) -> None:
        if self.max_vehicles is not None and self.max_vehicles < 0:
            raise ValueError("max_vehicles must not be negative")
        if self.vehicle_cost_s < 0:
            raise ValueError("vehicle_cost_s must not be negative")
        if self.max_overtime_s < 0:
            raise ValueError("max_overtime_s must not be negative")
        if self.overtime_cost < 0:
            raise ValueError("overtime_cost must not be negative")
