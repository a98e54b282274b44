"""The background sweep that turns unanswered offers into declines and cascades them.

Runs in every API worker process as one asyncio task (started in the app's lifespan when
``settings.background_workers`` is true); each sweep runs in a thread and expires the due offers one per
transaction (:func:`dispatch.jobs.offers.next_due_offer`, :func:`dispatch.jobs.offers.expire_offer`).

One offer per transaction is what makes several workers safe together on PostgreSQL. A cascade releases one
van and claims another; a sweep that kept a whole batch in one transaction held every claim it made until
the end, and a second worker's sweep (or a dispatch) claiming vans in another order could wait on it while
it waited on them: a deadlock, which PostgreSQL breaks by failing one of them (seen under the soak
benchmark). Committed one by one, a sweep holds at most the one van it is claiming. Each offer is still
handled exactly once: it is claimed by a conditional UPDATE (and ``SKIP LOCKED`` on PostgreSQL). Nothing
lives in memory: after a restart the next sweep finds every offer that fell due meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from dispatch.background import PeriodicTask
from dispatch.clock import Clock
from dispatch.errors import Conflict
from dispatch.jobs.offers import CandidatePicker, OfferOutcome, expire_offer, next_due_offer
from dispatch.settings import Settings

log = logging.getLogger(__name__)

SWEEP_LIMIT = 200
"""At most this many offers per sweep; the next sweep takes the rest."""


class OfferExpiryWorker(PeriodicTask):
    """Sweeps at start-up (offers that fell due while we were down), then every interval."""

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        settings: Settings,
        clock: Clock,
        picker: CandidatePicker | None = None,
    ):
        super().__init__(
            name="offer-expiry",
            work=self.sweep_once,
            interval_s=settings.offer_sweep_interval_s,
            run_at_start=True,
        )
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.picker = picker

    def sweep_once(self) -> list[OfferOutcome]:
        """Expire every offer due now, each in its own transaction (blocking; call it in a thread).

        An offer whose cascade fails is left pending for the next sweep; the others go on.
        """
        now = self.clock.now()
        outcomes: list[OfferOutcome] = []
        failed: set[int] = set()
        for _ in range(SWEEP_LIMIT):
            with self.session_factory() as session:
                offer = next_due_offer(session=session, now=now, skip_ids=failed)
                if offer is None or offer.id is None:
                    session.rollback()
                    break
                offer_id = offer.id
                try:
                    outcome = expire_offer(
                        session=session, offer=offer, now=now, settings=self.settings, picker=self.picker
                    )
                    session.commit()
                except Exception as exc:  # this offer waits for the next sweep; the others go on
                    session.rollback()
                    failed.add(offer_id)
                    _log_deferred(offer_id, exc)
                    continue
            outcomes.append(outcome)
            log.info("offer %s for %s expired; re-offered: %s", outcome.offer_id, outcome.reference,
                     outcome.next_offer is not None)  # fmt: skip
        return outcomes


def _log_deferred(offer_id: int, exc: Exception) -> None:
    if isinstance(exc, Conflict):
        return  # answered by its technician meanwhile: nothing to expire
    if isinstance(exc, OperationalError):  # e.g. a deadlock victim
        log.warning("offer %s: expiry deferred to the next sweep (%s)", offer_id, exc.orig)
        return
    log.error("offer %s: expiry cascade failed; the next sweep retries it", offer_id, exc_info=exc)
