"""Trimming a large fleet of interchangeable vehicles before the search.

Solomon offers 100 identical vehicles and good plans use 3 to 20; every idle vehicle makes each local-search
move dearer. Once a seed plan shows roughly how many are needed, the search keeps those plus a few spares.
Trimmed vehicles still appear in the plan, with empty routes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from routing.problem import RoutingProblem, Vehicle


def vehicle_group(vehicle: Vehicle) -> tuple[object, ...]:
    """Vehicles with equal groups are interchangeable."""
    return (
        vehicle.start,
        vehicle.end,
        vehicle.shift,
        vehicle.skills,
        vehicle.capacity,
        vehicle.max_route_s,
        vehicle.lunch,
    )


def has_idle_surplus(problem: RoutingProblem, spare: int) -> bool:
    """A big fleet of interchangeable vehicles (e.g. 100 in Solomon) is worth trimming before the search."""
    sizes = Counter(vehicle_group(k) for k in problem.vehicles)
    return max(sizes.values(), default=0) > max(2 * spare, 8)


def without_spare_vehicles(
    problem: RoutingProblem, seed: Mapping[str, Sequence[str]], spare: int
) -> RoutingProblem:
    """Keep the seeded vehicles plus ``spare`` idle ones per group of interchangeable vehicles."""
    idle_kept: dict[tuple[object, ...], int] = {}
    kept = []
    for vehicle in problem.vehicles:
        group = vehicle_group(vehicle)
        if seed.get(vehicle.id):
            kept.append(vehicle)
        elif idle_kept.get(group, 0) < spare:
            idle_kept[group] = idle_kept.get(group, 0) + 1
            kept.append(vehicle)
    return RoutingProblem(problem.visits, tuple(kept), problem.locations, problem.matrix)
