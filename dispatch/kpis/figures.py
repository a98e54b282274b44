"""KPI arithmetic on plain rows, so every figure can be checked by hand.

Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at rank
ceil(p/100 x n) (1-based). Shares are fractions 0..1, None when nothing was measured.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WAITING_TARGET_MIN = 30.0
CSAT_TARGET = 0.90
NPS_TARGET = 50.0


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class JobTrail:
    """One rescue job's events, as the KPIs read them."""

    job_id: uuid.UUID
    called_at: datetime
    city_adcode: str | None
    first_offered_at: datetime | None = None
    accepted_at: datetime | None = None
    promised_eta_at: datetime | None = None
    arrived_at: datetime | None = None
    van_id: int | None = None
    closed_as: str | None = None
    uncovered: bool = False
    declined: int = 0
    expired: int = 0

    def apply(
        self, kind: str, to_status: str | None, at: datetime, van_id: int | None, data: dict[str, Any]
    ) -> None:
        if kind != "job.status":
            return
        if to_status == "offered" and self.first_offered_at is None:
            self.first_offered_at = at
        elif to_status == "accepted":
            self.accepted_at, self.van_id = at, van_id
            promised = data.get("promised_eta_at")
            self.promised_eta_at = datetime.fromisoformat(promised) if promised else None
        elif to_status == "on_site" and self.arrived_at is None:
            self.arrived_at = at
        elif to_status == "uncovered":
            self.uncovered = True
        elif to_status == "created" and data.get("answer") in ("declined", "expired"):
            self.declined += data["answer"] == "declined"
            self.expired += data["answer"] == "expired"
        if to_status in ("completed", "towed", "failed", "cancelled"):
            self.closed_as = to_status


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() / 60 if start is not None and end is not None else None


@dataclass
class RescueFigures:
    jobs: int = 0
    call_to_dispatch_min: list[float] = field(default_factory=list)
    call_to_arrival_min: list[float] = field(default_factory=list)
    waiting_min: list[float] = field(default_factory=list)
    promised: int = 0
    on_time: int = 0
    declined: int = 0
    expired: int = 0
    fixed_first_time: int = 0
    served_or_failed: int = 0
    uncovered: int = 0

    def add(self, trail: JobTrail) -> None:
        self.jobs += 1
        for values, start, end in (
            (self.call_to_dispatch_min, trail.called_at, trail.first_offered_at),
            (self.call_to_arrival_min, trail.called_at, trail.arrived_at),
            (self.waiting_min, trail.accepted_at, trail.arrived_at),
        ):
            minutes = _minutes(start, end)
            if minutes is not None:
                values.append(minutes)
        if trail.promised_eta_at is not None and trail.arrived_at is not None:
            self.promised += 1
            self.on_time += trail.arrived_at <= trail.promised_eta_at
        self.declined += trail.declined
        self.expired += trail.expired
        if trail.closed_as in ("completed", "towed", "failed"):
            self.served_or_failed += 1
            self.fixed_first_time += trail.closed_as == "completed"
        self.uncovered += trail.uncovered

    def summary(self) -> dict[str, Any]:
        within = sum(1 for m in self.call_to_arrival_min if m <= WAITING_TARGET_MIN)
        return {
            "jobs": self.jobs,
            "call_to_dispatch_min": _p50_p90(self.call_to_dispatch_min),
            "call_to_arrival_min": _p50_p90(self.call_to_arrival_min),
            "waiting_min": _p50_p90(self.waiting_min),
            "arrived_within_target_share": share(within, len(self.call_to_arrival_min)),
            "on_time_share": share(self.on_time, self.promised),
            "offers_declined": self.declined,
            "offers_expired": self.expired,
            "first_time_fix_rate": share(self.fixed_first_time, self.served_or_failed),
            "jobs_uncovered": self.uncovered,
        }


def _p50_p90(values: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(values, 50), "p90": percentile(values, 90), "count": len(values)}


@dataclass
class SatisfactionFigures:
    csat: list[int] = field(default_factory=list)
    nps: list[int] = field(default_factory=list)

    def add(self, csat: int | None, nps: int | None) -> None:
        if csat is not None:
            self.csat.append(csat)
        if nps is not None:
            self.nps.append(nps)

    def summary(self) -> dict[str, Any]:
        satisfied = sum(1 for s in self.csat if s >= 4)
        promoters = sum(1 for s in self.nps if s >= 9)
        detractors = sum(1 for s in self.nps if s <= 6)
        nps = round(100 * (promoters - detractors) / len(self.nps), 1) if self.nps else None
        return {
            "csat_responses": len(self.csat),
            "csat_share": share(satisfied, len(self.csat)),
            "nps_responses": len(self.nps),
            "nps": nps,
        }


@dataclass
class EscalationFigures:
    opened: int = 0
    acknowledged_within_1h: int = 0
    closed: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "acknowledged_within_1h": self.acknowledged_within_1h,
            "acknowledged_within_1h_share": share(self.acknowledged_within_1h, self.opened),
            "closed": self.closed,
        }
