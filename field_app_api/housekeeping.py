"""Forgetting old idempotency keys: an hourly purge, run as a background task in each API worker.

Several workers purging at once is harmless (a DELETE of the same old rows); keys stay at least
``idempotency_retention_hours`` (72 h by default), long enough for a tablet that was offline for a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session

from dispatch.background import PeriodicTask
from dispatch.clock import Clock
from dispatch.settings import Settings
from field_app_api.idempotency import purge_expired

log = logging.getLogger(__name__)
PURGE_INTERVAL_S = 3600.0


class IdempotencyPurgeWorker(PeriodicTask):
    """Purges every interval, starting one interval after start-up (nothing is urgent about old keys)."""

    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, clock: Clock):
        super().__init__(
            name="idempotency-purge", work=self.purge_once, interval_s=PURGE_INTERVAL_S, run_at_start=False
        )
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock

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
