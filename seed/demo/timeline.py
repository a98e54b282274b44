"""The simulator's view of time: the server's scaled clock, plus waiting in simulated seconds."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from dispatch.clock import ScaledClock


class Timeline:
    """Waits measured in simulated seconds, read off the same `ScaledClock` the server uses."""

    def __init__(self, clock: ScaledClock, *, end: datetime) -> None:
        self.clock = clock
        self.end = end
        self.stopping = asyncio.Event()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def speed(self) -> float:
        return self.clock.speed

    @property
    def over(self) -> bool:
        return self.stopping.is_set() or self.clock.now() >= self.end

    async def sleep(self, simulated_s: float) -> bool:
        """Wait `simulated_s`; False when the run ended meanwhile (the caller should wind down)."""
        if simulated_s > 0:
            try:
                await asyncio.wait_for(self.stopping.wait(), self.clock.real_seconds(simulated_s))
            except TimeoutError:
                pass
        return not self.over

    async def sleep_until(self, moment: datetime) -> bool:
        return await self.sleep((moment - self.clock.now()).total_seconds())

    def after(self, simulated_s: float) -> datetime:
        return self.clock.now() + timedelta(seconds=simulated_s)
