"""Road-like drives: a wandering polyline between two points, a plausible speed, noisy GPS fixes."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from routing.geodesy import geodesic_km
from seed.world import offset_point

Point = tuple[float, float]  # (lat, lon), WGS-84


def speed_kmh(straight_km: float, rng: random.Random) -> float:
    """Town streets, county roads or expressway, by trip length, with a driver's spread."""
    if straight_km <= 5:
        return rng.uniform(25, 40)
    if straight_km <= 30:
        return rng.uniform(45, 60)
    return rng.uniform(65, 85)


@dataclass(frozen=True)
class Drive:
    """A drive along waypoints at a constant average speed; `at(s)` is the position `s` seconds in."""

    waypoints: tuple[Point, ...]
    leg_km: tuple[float, ...]
    speed_kmh: float

    @classmethod
    def between(cls, start: Point, end: Point, rng: random.Random) -> Drive:
        straight = geodesic_km(*start, *end)
        legs = max(2, min(8, int(straight / 4) + 2))
        points = [start]
        for i in range(1, legs):
            f = i / legs
            lat = start[0] + (end[0] - start[0]) * f
            lon = start[1] + (end[1] - start[1]) * f
            # Roads bend: each waypoint strays sideways by a share of the trip (circuity ~1.2-1.4).
            points.append(
                offset_point(lat, lon, rng.gauss(0, straight * 0.12), rng.gauss(0, straight * 0.12))
            )
        points.append(end)
        lengths = tuple(geodesic_km(*a, *b) for a, b in zip(points, points[1:], strict=False))
        return cls(tuple(points), lengths, speed_kmh(straight, rng))

    @property
    def distance_km(self) -> float:
        return sum(self.leg_km)

    @property
    def duration_s(self) -> float:
        return self.distance_km / self.speed_kmh * 3600.0

    def at(self, elapsed_s: float) -> Point:
        travelled_km = max(0.0, elapsed_s) * self.speed_kmh / 3600.0
        for (a, b), km in zip(
            zip(self.waypoints, self.waypoints[1:], strict=False), self.leg_km, strict=False
        ):
            if travelled_km <= km and km > 0:
                f = travelled_km / km
                return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
            travelled_km -= km
        return self.waypoints[-1]

    def heading_deg(self, elapsed_s: float) -> float:
        here, ahead = self.at(elapsed_s), self.at(elapsed_s + 30)
        north = ahead[0] - here[0]
        east = (ahead[1] - here[1]) * math.cos(math.radians(here[0]))
        return (math.degrees(math.atan2(east, north)) + 360.0) % 360.0


def gps_fix(point: Point, rng: random.Random) -> tuple[Point, float]:
    """A fix as a phone reports it: a few metres off, now and then tens of metres (urban canyon)."""
    accuracy_m = rng.choice((5.0, 8.0, 12.0)) if rng.random() > 0.05 else rng.uniform(30, 80)
    north_km = rng.gauss(0, accuracy_m / 2000.0)
    east_km = rng.gauss(0, accuracy_m / 2000.0)
    return offset_point(point[0], point[1], north_km, east_km), accuracy_m
