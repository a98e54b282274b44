"""Why a visit cannot be served: checks of each visit on its own, before and after solving.

A visit that no single van could serve even with an otherwise empty day gets a specific reason; a visit the
solver dropped although it is feasible alone was "not fitted in the time available".
"""

from __future__ import annotations

from routing.plan import DropReason
from routing.problem import RoutingProblem, TimeWindow, Vehicle, Visit


def unservable_alone(problem: RoutingProblem) -> dict[str, DropReason]:
    """Visit id → reason, for every visit no vehicle could serve on an empty route."""
    reasons: dict[str, DropReason] = {}
    for visit in problem.visits:
        reason = reason_unservable(problem, visit)
        if reason is not None:
            reasons[visit.id] = reason
    return reasons


def reason_unservable(problem: RoutingProblem, visit: Visit) -> DropReason | None:
    """The most specific reason no vehicle can serve ``visit`` alone, or None if one can."""
    skilled = [k for k in problem.vehicles if k.can_serve(visit)]
    if not skilled:
        return DropReason.NO_SKILLED_VEHICLE
    roomy = [k for k in skilled if k.capacity is None or visit.demand <= k.capacity]
    if not roomy:
        return DropReason.OVER_CAPACITY
    if not any(_reachable_in_shift(problem, k, visit) for k in roomy):
        return DropReason.WINDOW_UNREACHABLE
    return None


def _reachable_in_shift(problem: RoutingProblem, vehicle: Vehicle, visit: Visit) -> bool:
    outbound_s = problem.duration_s(vehicle.start, visit.location)
    homebound_s = problem.duration_s(visit.location, vehicle.end)
    route_s = outbound_s + visit.service_s + homebound_s
    if vehicle.max_route_s is not None and route_s > vehicle.max_route_s:
        return False
    windows = visit.windows or (vehicle.shift,)
    earliest_arrival_s = vehicle.shift.start_s + outbound_s
    return any(
        _fits(window, earliest_arrival_s, visit.service_s + homebound_s, vehicle.shift) for window in windows
    )


def _fits(window: TimeWindow, earliest_arrival_s: float, rest_of_day_s: float, shift: TimeWindow) -> bool:
    start_s = max(earliest_arrival_s, window.start_s)
    return start_s <= window.end_s and start_s + rest_of_day_s <= shift.end_s
