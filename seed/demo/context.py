"""What every actor of one run shares: the API, the timeline, the report and the world it learned."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from seed.demo.client import Api, UnexpectedResponse
from seed.demo.report import Report
from seed.demo.timeline import Timeline

log = logging.getLogger("seed.demo")


@dataclass
class Pace:
    """How chatty the clients are, in simulated seconds (the soak turns these up)."""

    ping_every_s: float = 5.0
    # Tablets upload what they recorded at most this often in real seconds (a phone on a slow link).
    min_upload_real_s: float = 0.5
    offer_poll_s: float = 300.0
    owner_share: float = 1.0


@dataclass
class SimContext:
    api: Api
    timeline: Timeline
    report: Report
    seed: int
    pace: Pace = field(default_factory=Pace)
    stations: dict[int, dict[str, Any]] = field(default_factory=dict)
    vans: dict[int, dict[str, Any]] = field(default_factory=dict)
    serial_of: dict[str, int] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def rng(self, *parts: object) -> random.Random:
        """A private random stream per decision, so the same seed decides the same way in any order."""
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(self.guarded(work, name), name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def guarded(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run an actor; an unexpected API answer or a bug becomes an error kind, never a silent stop."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except UnexpectedResponse as exc:
            self.report.error(exc.kind, exc.body)
        except Exception as exc:
            log.exception("actor %s failed", name)
            self.report.error(f"simulator {type(exc).__name__} in {name.split(':')[0]}", repr(exc))

    def home_of(self, van_id: int) -> tuple[float, float]:
        station = self.stations[self.vans[van_id]["station_id"]]
        return (float(station["lat"]), float(station["lon"]))
