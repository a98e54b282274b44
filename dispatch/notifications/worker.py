"""The delivery worker, started in the app's lifespan beside the other background workers.

Each tick drains the outbox in batches (claim, send, record: see `delivery`), then queues any day-before
reminders that fell due. Several processes may run it at once; a killed one leaves claimed rows that the
others pick up once their lease runs out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import httpx
from sqlmodel import Session

from dispatch.background import PeriodicTask
from dispatch.clock import Clock
from dispatch.notifications.channels import HttpSmsChannel, MessageChannel, SmsLogChannel, WebhookChannel
from dispatch.notifications.delivery import Claimed, Outcome, claim_batch, record_outcomes, send_one
from dispatch.notifications.models import Channel
from dispatch.notifications.reminders import queue_booking_reminders
from dispatch.settings import Settings

# Batches being sent at once: one on the wire while the next is claimed.
PIPELINE_DEPTH = 2


def build_channels(settings: Settings, client: httpx.Client) -> dict[Channel, MessageChannel]:
    sms: MessageChannel = SmsLogChannel()
    if settings.sms_gateway_url:
        sms = HttpSmsChannel(client, url=settings.sms_gateway_url, token=settings.sms_gateway_token)
    return {Channel.SMS: sms, Channel.WEBHOOK: WebhookChannel(client)}


class NotificationDelivery:
    """Blocking delivery rounds (call them in a thread); owns its HTTP client and send threads."""

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        settings: Settings,
        clock: Clock,
        channels: Mapping[Channel, MessageChannel] | None = None,
    ):
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.client = httpx.Client(
            timeout=settings.notify_http_timeout_s,
            limits=httpx.Limits(max_connections=settings.notify_concurrency * 2),
        )
        self.channels = channels if channels is not None else build_channels(settings, self.client)
        self.pool = ThreadPoolExecutor(settings.notify_concurrency, thread_name_prefix="notify")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def deliver_round(self) -> int:
        """Claim one batch, send it, record the outcomes; returns how many were claimed."""
        return self.drain(max_batches=1)

    def drain(self, max_batches: int | None = None) -> int:
        """Deliver everything due now; returns how many notifications were claimed.

        Sending is pipelined: the next batch is claimed while the previous one is still being sent, and a
        batch's outcomes are recorded as soon as all its sends are done, so the sending threads never
        wait for the database between batches.
        """
        in_flight: deque[list[Future[Outcome]]] = deque()
        claimed_total = batches = 0
        more = True
        while more or in_flight:
            if more and len(in_flight) < PIPELINE_DEPTH:
                claimed = self._claim()
                claimed_total += len(claimed)
                batches += 1
                more = len(claimed) == self.settings.notify_batch_size and (
                    max_batches is None or batches < max_batches
                )
                if claimed:
                    now_s = self.clock.now().timestamp()
                    in_flight.append(
                        [self.pool.submit(send_one, c, self.channels, now_s=now_s) for c in claimed]
                    )
                continue
            self._record([future.result() for future in in_flight.popleft()])
        return claimed_total

    def _claim(self) -> list[Claimed]:
        with self.session_factory() as session:
            claimed = claim_batch(session=session, now=self.clock.now(), settings=self.settings)
            session.commit()
        return claimed

    def _record(self, outcomes: list[Outcome]) -> None:
        with self.session_factory() as session:
            record_outcomes(session=session, outcomes=outcomes, now=self.clock.now(), settings=self.settings)
            session.commit()

    def queue_reminders(self) -> int:
        with self.session_factory() as session:
            added = queue_booking_reminders(session=session, now=self.clock.now(), settings=self.settings)
            session.commit()
        return added


class NotificationWorker(PeriodicTask):
    def __init__(self, *, session_factory: Callable[[], Session], settings: Settings, clock: Clock):
        self.delivery = NotificationDelivery(session_factory=session_factory, settings=settings, clock=clock)
        self._reminders_checked_at: datetime | None = None
        # Not at start-up: the first interval is short, and start-up belongs to the offer sweep.
        super().__init__(
            name="notifications", work=self.tick, interval_s=settings.notify_interval_s, run_at_start=False
        )

    def tick(self) -> None:
        now = self.delivery.clock.now()
        if self._reminders_checked_at is None or (now - self._reminders_checked_at).total_seconds() >= 60:
            self.delivery.queue_reminders()
            self._reminders_checked_at = now
        self.delivery.drain()

    async def stop(self) -> None:
        await super().stop()
        self.delivery.close()
