"""The background sweep that flags escalations nobody acknowledged within the hour (once each)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from dispatch.background import PeriodicTask
from dispatch.clock import Clock
from dispatch.followups.escalations import flag_overdue

SWEEP_INTERVAL_S = 30.0


class EscalationWatch(PeriodicTask):
    def __init__(self, *, session_factory: Callable[[], Session], clock: Clock):
        super().__init__(
            name="escalation-watch", work=self.sweep_once, interval_s=SWEEP_INTERVAL_S, run_at_start=False
        )
        self.session_factory = session_factory
        self.clock = clock

    def sweep_once(self) -> int:
        with self.session_factory() as session:
            flagged = flag_overdue(session=session, now=self.clock.now())
            session.commit()
        return flagged
