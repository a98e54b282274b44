"""Turn solved visit sequences and service start times into the reported :class:`~routing.plan.Plan`.

Arrivals, waiting and departures are recomputed here from the real (float) matrix, so the plan shows seconds,
not solver units; the validator checks them independently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routing.plan import BreakPlacement, DroppedVisit, DropReason, Plan, Route, Stop, StopReason
from routing.problem import RoutingProblem, Vehicle


@dataclass(frozen=True)
class SolvedRoute:
    """A solver's answer for one vehicle: the order and when each service starts."""

    vehicle_id: str
    start_s: float
    end_s: float
    service_starts: Sequence[tuple[str, float]]
    lunch_start_s: float | None = None


def build_plan(
    problem: RoutingProblem,
    routes: Sequence[SolvedRoute],
    known_reasons: dict[str, DropReason],
    status: str,
    objective: int,
    wall_time_s: float,
    stop_reason: StopReason = StopReason.TIME_LIMIT,
    seed: str = "none",
) -> Plan:
    """Assemble a plan; any visit on no route is reported dropped, with its known reason or NOT_FITTED."""
    by_vehicle = {r.vehicle_id: r for r in routes}
    built = tuple(_build_route(problem, vehicle, by_vehicle.get(vehicle.id)) for vehicle in problem.vehicles)
    served = {stop.visit_id for route in built for stop in route.stops}
    dropped = tuple(
        DroppedVisit(v.id, v.mandatory, known_reasons.get(v.id, DropReason.NOT_FITTED))
        for v in problem.visits
        if v.id not in served
    )
    return Plan(
        routes=built,
        dropped=dropped,
        status=status,
        objective=objective,
        wall_time_s=wall_time_s,
        stop_reason=stop_reason,
        seed=seed,
    )


def _build_route(problem: RoutingProblem, vehicle: Vehicle, solved: SolvedRoute | None) -> Route:
    if solved is None or not solved.service_starts:
        start_s = vehicle.shift.start_s if solved is None else solved.start_s
        return Route(vehicle.id, (), start_s, start_s, 0.0, 0.0, 0.0, _idle_lunch(vehicle, solved))
    lunch_start_s = solved.lunch_start_s
    lunch_s = vehicle.lunch.duration_s if vehicle.lunch is not None else 0.0
    stops: list[Stop] = []
    previous, departure_s = vehicle.start, solved.start_s
    distance_km = travel_s = 0.0
    for visit_id, service_start_s in solved.service_starts:
        visit = problem.visit_by_id[visit_id]
        leg_s = problem.duration_s(previous, visit.location)
        in_leg = lunch_start_s is not None and departure_s <= lunch_start_s < service_start_s
        eats_en_route = in_leg and lunch_start_s is not None and lunch_start_s < departure_s + leg_s
        arrival_s = departure_s + leg_s + (lunch_s if eats_en_route else 0.0)
        waiting_s = max(0.0, service_start_s - arrival_s - (lunch_s if in_leg and not eats_en_route else 0.0))
        stops.append(Stop(visit_id, arrival_s, waiting_s, service_start_s, service_start_s + visit.service_s))
        distance_km += problem.distance_km(previous, visit.location)
        travel_s += leg_s
        previous, departure_s = visit.location, service_start_s + visit.service_s
    distance_km += problem.distance_km(previous, vehicle.end)
    travel_s += problem.duration_s(previous, vehicle.end)
    lunch = None
    if lunch_start_s is not None:
        after = sum(1 for stop in stops if stop.departure_s <= lunch_start_s)
        lunch = BreakPlacement(lunch_start_s, lunch_s, after)
    waiting_total_s = sum(stop.waiting_s for stop in stops)
    return Route(
        vehicle.id, tuple(stops), solved.start_s, solved.end_s, distance_km, travel_s, waiting_total_s, lunch
    )


def _idle_lunch(vehicle: Vehicle, solved: SolvedRoute | None) -> BreakPlacement | None:
    allowed = vehicle.lunch_start_range_s
    if vehicle.lunch is None or allowed is None:
        return None
    start_s = allowed[0]
    if solved is not None and solved.lunch_start_s is not None:
        start_s = solved.lunch_start_s
    return BreakPlacement(start_s, vehicle.lunch.duration_s, 0)
