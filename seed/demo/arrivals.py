"""Breakdown calls: a Poisson process with a day/night profile, placed where the owners live.

The population is the deterministic seed world (the same generator `dispatch seed` loads), so calls come
from real owners' vehicles and villages. Locations arrive as a phone app would send them: mostly GCJ-02,
some BD-09, some WGS-84, some only as a spoken address.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from routing.datums import Datum, from_wgs84
from seed.world import OwnerSpec, offset_point

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Calls per hour relative to the daily mean, by local hour: quiet nights, commuter peaks.
HOURLY_PROFILE = (
    0.3, 0.25, 0.2, 0.2, 0.25, 0.4, 0.8, 1.4, 1.6, 1.3, 1.1, 1.1,
    1.2, 1.1, 1.1, 1.2, 1.4, 1.7, 1.6, 1.2, 1.0, 0.8, 0.6, 0.4,
)  # fmt: skip
PROFILE_MEAN = sum(HOURLY_PROFILE) / len(HOURLY_PROFILE)
PROFILE_PEAK = max(HOURLY_PROFILE) / PROFILE_MEAN

FAULTS = (
    (
        "flat_tyre",
        25,
        ("右后轮扎钉漏气 / Rear-right tyre punctured", "爆胎，已停应急车道 / Blow-out, hard shoulder"),
    ),
    ("battery", 22, ("电瓶亏电打不着火 / Flat battery", "仪表提示电池故障 / Battery warning on the dash")),
    ("wont_start", 14, ("车辆无法启动 / Car will not start", "启动时有异响 / Noise when starting")),
    ("lockout", 8, ("钥匙锁在车内 / Keys locked inside", "智能钥匙无法识别 / Smart key not recognised")),
    ("out_of_fuel", 7, ("没油了 / Out of fuel", "电量耗尽 / Ran out of charge")),
    (
        "accident",
        8,
        ("轻微剐蹭，车辆可移动 / Minor scrape, drivable", "追尾，前部受损 / Rear-ended, front damaged"),
    ),
    ("needs_tow", 12, ("变速箱故障需拖车 / Gearbox failure, needs a tow", "冷却液泄漏 / Coolant leak")),
    ("other", 4, ("车窗无法关闭 / Window stuck open", "雨刮失灵 / Wipers dead")),
)
DATUMS = ((Datum.GCJ02, 0.6), (Datum.BD09, 0.2), (Datum.WGS84, 0.1), (None, 0.1))  # None: an address


@dataclass(frozen=True)
class Call:
    """One breakdown call: when it comes in and the job request the agent types."""

    serial: int
    at: datetime
    body: dict[str, Any]
    left_for_person: bool


class CallArrivals:
    """Generates the calls one after another from a private random stream (same seed, same calls)."""

    def __init__(
        self,
        *,
        owners: list[OwnerSpec],
        rate_per_hour: float,
        start: datetime,
        seed: int,
        person_share: float = 0.1,
    ) -> None:
        if not owners:
            raise ValueError("the world has no owners to place calls at")
        self.owners = [o for o in owners if o.vehicles]
        self.rate_per_hour = rate_per_hour
        self.person_share = person_share
        self.rng = random.Random(f"{seed}:calls")
        self.moment = start

    def __iter__(self) -> Iterator[Call]:
        serial = 0
        # The first call comes at once, so a newcomer sees activity within seconds.
        yield self._call(serial, self.moment)
        while True:
            serial += 1
            self.moment = self._next_moment(self.moment)
            yield self._call(serial, self.moment)

    def _next_moment(self, moment: datetime) -> datetime:
        """Thinning: candidate gaps at the peak rate, each kept with the hour's share of the peak."""
        peak_per_s = self.rate_per_hour * PROFILE_PEAK / 3600.0
        while True:
            moment += timedelta(seconds=self.rng.expovariate(peak_per_s))
            hour = moment.astimezone(SHANGHAI).hour
            if self.rng.random() < HOURLY_PROFILE[hour] / PROFILE_MEAN / PROFILE_PEAK:
                return moment

    def _call(self, serial: int, at: datetime) -> Call:
        rng = self.rng
        owner = rng.choice(self.owners)
        vehicle = rng.choice(owner.vehicles)
        category, _, descriptions = rng.choices(FAULTS, weights=[f[1] for f in FAULTS])[0]
        on_highway = rng.random() < 0.15
        reasons = ["highway"] if on_highway else []
        if rng.random() < 0.08:
            reasons.append(rng.choice(("children_on_board", "elderly_on_board", "extreme_weather")))
        priority = "high" if reasons or category == "accident" else "normal"
        body: dict[str, Any] = {
            "caller_name": owner.name,
            "caller_phone": owner.phone,
            "vehicle": {
                "plate": vehicle.plate,
                "vin": vehicle.vin,
                "model": vehicle.model,
                "powertrain": vehicle.powertrain,
            },
            "fault_category": category,
            "fault_description": rng.choice(descriptions),
            "priority": priority,
            "priority_reasons": reasons,
            "location": self._location(owner, on_highway),
        }
        left = rng.random() < self.person_share
        body["auto_dispatch"] = not left
        return Call(serial=serial, at=at, body=body, left_for_person=left)

    def _location(self, owner: OwnerSpec, on_highway: bool) -> dict[str, Any]:
        """Near home (most breakdowns are), further out on a highway; in the datum the caller's app uses."""
        rng = self.rng
        spread_km = 15.0 if on_highway else 3.0
        lat, lon = offset_point(owner.lat, owner.lon, rng.gauss(0, spread_km), rng.gauss(0, spread_km))
        datum = rng.choices([d for d, _ in DATUMS], weights=[w for _, w in DATUMS])[0]
        if datum is None:
            return {"address": owner.address}
        shown_lat, shown_lon = from_wgs84(lat, lon, datum)
        return {"lat": round(shown_lat, 6), "lon": round(shown_lon, 6), "datum": datum.value}
