"""Road-network travel times from an OSRM-compatible ``/table`` service.

Production planning uses real roads; the service URL is passed in by the caller (the library reads no
settings). Any failure becomes :class:`~routing.travel.TravelTimeUnavailable`, so callers can fall back to
:class:`~routing.travel.GeodesicTravelTimes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from routing.geodesy import Location
from routing.travel import TravelMatrix, TravelTimeUnavailable


@dataclass(frozen=True)
class OsrmTravelTimes:
    """Client for ``GET {base_url}/table/v1/{profile}/{lon,lat;...}?annotations=duration,distance``.

    Parameters
    ----------
    base_url
        Service root, e.g. ``http://osrm.internal:5000``.
    profile
        OSRM profile name in the URL; ``driving`` for vans.
    timeout_s
        Per-request timeout; rural planning should not hang on a slow service.
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 10.0

    def matrix(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrix:
        """One table request for all origins × destinations."""
        if not origins or not destinations:
            return TravelMatrix(
                np.zeros((len(origins), len(destinations))), np.zeros((len(origins), len(destinations)))
            )
        points = list(origins) + list(destinations)
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        params = {
            "sources": ";".join(str(i) for i in range(len(origins))),
            "destinations": ";".join(str(len(origins) + j) for j in range(len(destinations))),
            "annotations": "duration,distance",
        }
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
        body = self._get(url, params)
        return _parse_table(body, len(origins), len(destinations))

    def _get(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = httpx.get(url, params=params, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise TravelTimeUnavailable(f"travel-time service unreachable: {exc}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise TravelTimeUnavailable(
                f"travel-time service answered {response.status_code} without JSON"
            ) from exc
        if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else None
            detail = message or "no detail"
            raise TravelTimeUnavailable(f"service answered {response.status_code} {code!r}: {detail}")
        return body


def _parse_table(body: dict[str, Any], rows: int, cols: int) -> TravelMatrix:
    durations, distances = body.get("durations"), body.get("distances")
    if durations is None or distances is None:
        raise TravelTimeUnavailable("table answer lacks durations or distances (annotations ignored?)")
    try:
        duration_s = np.array(durations, dtype=float)
        distance_m = np.array(distances, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TravelTimeUnavailable("table answer has malformed matrices") from exc
    if duration_s.shape != (rows, cols) or distance_m.shape != (rows, cols):
        raise TravelTimeUnavailable(f"table answer shaped {duration_s.shape}, expected {(rows, cols)}")
    unroutable = np.isnan(duration_s) | np.isnan(distance_m)
    if unroutable.any():
        i, j = (int(k) for k in np.argwhere(unroutable)[0])
        raise TravelTimeUnavailable(f"no road route from origin {i} to destination {j}")
    return TravelMatrix(distance_km=distance_m / 1000.0, duration_s=duration_s)
