"""Injectable time, so offer expiry and ETAs can be tested without sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dispatch.settings import Settings


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests, simulations)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class ScaledClock:
    """Simulated time that runs `speed` times faster than the wall clock from a fixed origin.

    It reads ``start + (wall now - anchor) * speed``: a pure function of the wall clock, so every process
    built with the same three numbers (API workers, the simulator) agrees on the time without talking.
    Nothing sleeps in the server; a simulator waits ``simulated seconds / speed`` of real time.
    """

    def __init__(self, *, start: datetime, anchor_unix_s: float, speed: float):
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs a timezone-aware start")
        if speed <= 0:
            raise ValueError("ScaledClock needs a positive speed")
        self.start = start
        self.anchor_unix_s = anchor_unix_s
        self.speed = speed

    def now(self) -> datetime:
        elapsed_s = (time.time() - self.anchor_unix_s) * self.speed
        return self.start + timedelta(seconds=elapsed_s)

    def real_seconds(self, simulated_s: float) -> float:
        """How long `simulated_s` of simulated time lasts on the wall clock."""
        return simulated_s / self.speed


def clock_for(settings: Settings) -> Clock:
    """The clock settings ask for: the system clock, or a scaled one for demos and soak tests."""
    if not settings.simulates_time:
        return SystemClock()
    anchor_unix_s = settings.clock_anchor_unix_s if settings.clock_anchor_unix_s is not None else time.time()
    start = settings.clock_start or datetime.fromtimestamp(anchor_unix_s, UTC)
    return ScaledClock(start=start, anchor_unix_s=anchor_unix_s, speed=settings.clock_speed)
