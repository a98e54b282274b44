"""Periodic background work in an API worker process, started and stopped by the app's lifespan.

The work itself is blocking database code: it runs in a thread so the event loop keeps serving, and an
error is logged and retried next interval rather than stopping the task for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class PeriodicTask:
    """Call `work` in a thread every `interval_s` seconds (first at start-up if `run_at_start`)."""

    def __init__(self, *, name: str, work: Callable[[], Any], interval_s: float, run_at_start: bool):
        self.name = name
        self.work = work
        self.interval_s = interval_s
        self.run_at_start = run_at_start
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        if not self.run_at_start and await self._stopped_after_interval():
            return
        while True:
            try:
                await asyncio.to_thread(self.work)
            except Exception:  # a database hiccup must not stop the work for good
                log.exception("background task %s failed", self.name)
            if await self._stopped_after_interval():
                return

    async def _stopped_after_interval(self) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=self.interval_s)
        return self._stopping.is_set()
