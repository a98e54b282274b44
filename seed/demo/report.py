"""What the simulated clients saw: counters, the live progress line and the end summary."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class JobTrace:
    """One call as the simulator lived it (simulated times)."""

    serial: int
    job_id: str
    called_at: datetime
    promised_eta_at: datetime | None = None
    arrived_at: datetime | None = None
    closed_status: str | None = None


@dataclass
class Report:
    """Counters shared by every actor of one run (one event loop, so no locks are needed)."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, JobTrace] = field(default_factory=dict)
    acknowledged: dict[str, set[str]] = field(default_factory=dict)
    started_wall_s: float = field(default_factory=time.monotonic)
    stream_closed_at: datetime | None = None
    _pings_mark: tuple[float, int] = (0.0, 0)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        self.error_samples.setdefault(kind, detail[:300])

    def acknowledge(self, what: str, key: str) -> None:
        """Remember a write the server acknowledged, to look for it afterwards."""
        self.acknowledged.setdefault(what, set()).add(key)

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())

    def open_jobs(self) -> int:
        return sum(1 for trace in self.jobs.values() if trace.closed_status is None)

    def progress_line(self, now: datetime) -> str:
        wall = time.monotonic()
        mark_wall, mark_pings = self._pings_mark
        pings = self.counts["pings"]
        rate = (pings - mark_pings) / (wall - mark_wall) if mark_wall and wall > mark_wall else 0.0
        self._pings_mark = (wall, pings)
        local = now.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
        closed = len(self.jobs) - self.open_jobs()
        return (
            f"[{local}] 进行中 open {self.open_jobs()} · 已结束 closed {closed} · 定位 pings {rate:.1f}/s · "
            f"派单过期 offers expired {self.counts['offers_expired']} · 拒单 declined "
            f"{self.counts['offers_declined']} · 错误 errors {self.error_total}"
        )

    def arrival_minutes(self) -> list[float]:
        return sorted(
            (t.arrived_at - t.called_at).total_seconds() / 60
            for t in self.jobs.values()
            if t.arrived_at is not None
        )

    def on_time_share(self) -> float | None:
        judged = [t for t in self.jobs.values() if t.arrived_at is not None and t.promised_eta_at is not None]
        if not judged:
            return None
        on_time = sum(
            1 for t in judged if t.arrived_at and t.promised_eta_at and t.arrived_at <= t.promised_eta_at
        )
        return on_time / len(judged)

    def summary(self) -> dict[str, Any]:
        minutes = self.arrival_minutes()
        return {
            "calls": self.counts["calls"],
            "jobs_closed": len(self.jobs) - self.open_jobs(),
            "jobs_open": self.open_jobs(),
            "arrivals": len(minutes),
            "call_to_arrival_p50_min": _quantile(minutes, 0.5),
            "call_to_arrival_p90_min": _quantile(minutes, 0.9),
            "on_time_share": self.on_time_share(),
            "pings": self.counts["pings"],
            "offers_expired": self.counts["offers_expired"],
            "offers_declined": self.counts["offers_declined"],
            "http_requests": self.counts["http_requests"],
            "ws_messages": self.counts["ws_messages"],
            "errors": self.error_total,
            "errors_by_kind": dict(self.errors),
        }

    def format_summary(self, invariants: list[str] | None = None) -> str:
        s = self.summary()
        lines = [
            "",
            "演示结束 / Run summary",
            f"  来电 calls {s['calls']} · 已结束 closed {s['jobs_closed']} · 进行中 open {s['jobs_open']}",
            f"  来电到达 call-to-arrival p50 {_minutes(s['call_to_arrival_p50_min'])}, "
            f"p90 {_minutes(s['call_to_arrival_p90_min'])} ({s['arrivals']} arrivals)",
            f"  准时率 on time {_share(s['on_time_share'])} (arrived by the ETA promised at acceptance)",
            f"  定位 pings {s['pings']} · 派单过期 offers expired {s['offers_expired']} · 拒单 declined "
            f"{s['offers_declined']} · HTTP {s['http_requests']} · websocket messages {s['ws_messages']}",
            f"  错误 errors {s['errors']}" + ("" if s["errors"] else " (clean run / 运行正常)"),
        ]
        activity = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()) if k not in s)
        lines.insert(-1, f"  活动 activity: {activity}")
        for kind, n in sorted(self.errors.items()):
            lines.append(f"    {n:>5}  {kind}  e.g. {self.error_samples.get(kind, '')}")
        if invariants is not None:
            lines.append(f"  不变量 invariants: {'all hold / 全部成立' if not invariants else 'VIOLATED'}")
            lines.extend(f"    - {v}" for v in invariants)
        return "\n".join(lines)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} min"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
