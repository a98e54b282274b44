"""The background sweep that turns unanswered offers into declines and cascades them.

Runs in every API worker process as one asyncio task (started in the app's lifespan when
``settings.background_workers`` is true); each sweep runs :func:`dispatch.jobs.offers.expire_due_offers` in a
thread, in its own transaction. Several processes sweeping at once are safe: each offer is claimed by a
conditional UPDATE (and ``SKIP LOCKED`` on PostgreSQL), so exactly one of them cascades it. Nothing lives in
memory: after a restart the next sweep finds every offer that fell due meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlmodel import Session

from dispatch.clock import Clock
from dispatch.jobs.offers import OfferOutcome, expire_due_offers
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class OfferExpiryWorker:
    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, clock: Clock):
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def sweep_once(self) -> list[OfferOutcome]:
        """One sweep in one transaction (blocking; call it in a thread)."""
        with self.session_factory() as session:
            try:
                outcomes = expire_due_offers(session=session, now=self.clock.now(), settings=self.settings)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        for outcome in outcomes:
            log.info("offer %s for %s expired; re-offered: %s", outcome.offer_id, outcome.reference,
                     outcome.next_offer is not None)  # fmt: skip
        return outcomes

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="offer-expiry")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        """Sweep at start-up (offers that fell due while we were down), then every interval until stopped."""
        while True:
            try:
                await asyncio.to_thread(self.sweep_once)
            except Exception:  # keep sweeping: a database hiccup must not stop expiry for good
                log.exception("offer expiry sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.offer_sweep_interval_s)
            if self._stopping.is_set():
                return
