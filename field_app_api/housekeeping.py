"""Forgetting old idempotency keys: an hourly purge, run as a background task in each API worker.

Several workers purging at once is harmless (a DELETE of the same old rows); keys stay at least
``idempotency_retention_hours`` (72 h by default), long enough for a tablet that was offline for a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlmodel import Session

from dispatch.clock import Clock
from dispatch.settings import Settings
from field_app_api.idempotency import purge_expired

log = logging.getLogger(__name__)
PURGE_INTERVAL_S = 3600.0


class IdempotencyPurgeWorker:
    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, clock: Clock):
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def purge_once(self) -> int:
        """One purge in its own transaction (blocking; call it in a thread)."""
        with self.session_factory() as session:
            removed = purge_expired(
                session=session,
                now=self.clock.now(),
                retention_hours=self.settings.idempotency_retention_hours,
            )
            session.commit()
        if removed:
            log.info("purged %d idempotency keys", removed)
        return removed

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="idempotency-purge")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        """Every interval, starting one interval after start-up (nothing is urgent about old keys)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=PURGE_INTERVAL_S)
            if self._stopping.is_set():
                return
            try:
                await asyncio.to_thread(self.purge_once)
            except Exception:  # keep going: a database hiccup must not stop the purge for good
                log.exception("idempotency purge failed")
