"""The background sweep that turns unanswered offers into declines and cascades them.

Runs in every API worker process as one asyncio task (started in the app's lifespan when
``settings.background_workers`` is true); each sweep runs :func:`dispatch.jobs.offers.expire_due_offers` in a
thread, in its own transaction. Several processes sweeping at once are safe: each offer is claimed by a
conditional UPDATE (and ``SKIP LOCKED`` on PostgreSQL), so exactly one of them cascades it. Nothing lives in
memory: after a restart the next sweep finds every offer that fell due meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session

from dispatch.background import PeriodicTask
from dispatch.clock import Clock
from dispatch.jobs.offers import OfferOutcome, expire_due_offers
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class OfferExpiryWorker(PeriodicTask):
    """Sweeps at start-up (offers that fell due while we were down), then every interval."""

    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, clock: Clock):
        super().__init__(
            name="offer-expiry",
            work=self.sweep_once,
            interval_s=settings.offer_sweep_interval_s,
            run_at_start=True,
        )
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock

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
