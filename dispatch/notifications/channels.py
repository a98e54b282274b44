"""Channels behind one small interface: `send(delivery)` returns, or raises `DeliveryFailed`.

- `SmsLogChannel` (default): writes the message to the log; the embedded default needs nothing else.
- `HttpSmsChannel`: POSTs ``{"id", "to", "text"}`` to an SMS gateway (``DISPATCH_SMS_GATEWAY_URL``); the
  id doubles as the ``Idempotency-Key`` header so a gateway that deduplicates sends a retried message once.
- `WebhookChannel`: POSTs the JSON body to the subscriber's URL, signed (see `signing`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

import httpx

from dispatch.notifications.signing import DELIVERY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger("dispatch.sms")


class DeliveryFailed(Exception):
    """The channel did not take the message; the worker retries with backoff."""


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    recipient: str
    body: str
    url: str | None = None  # webhooks: the subscriber's URL and secret
    secret: str | None = None


class MessageChannel(Protocol):
    def send(self, delivery: Delivery, *, now_s: float) -> None: ...


class SmsLogChannel:
    """Logs each SMS (the default): a demo day shows its messages in the server log."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def send(self, delivery: Delivery, *, now_s: float) -> None:
        log.info("SMS %s to %s: %s", delivery.id, delivery.recipient, delivery.body)
        self.sent.append(delivery)
        del self.sent[:-1000]  # the recent ones, for tests and the curious; never a growing list


class HttpSmsChannel:
    def __init__(self, client: httpx.Client, *, url: str, token: str | None):
        self.client = client
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, delivery: Delivery, *, now_s: float) -> None:
        headers = {**self.headers, "Idempotency-Key": str(delivery.id)}
        body = {"id": str(delivery.id), "to": delivery.recipient, "text": delivery.body}
        _post(self.client, self.url, json_body=body, headers=headers)


class WebhookChannel:
    def __init__(self, client: httpx.Client):
        self.client = client

    def send(self, delivery: Delivery, *, now_s: float) -> None:
        if delivery.url is None or delivery.secret is None:
            raise DeliveryFailed("webhook subscriber removed")
        body = delivery.body.encode()
        timestamp = int(now_s)
        headers = {
            "Content-Type": "application/json",
            DELIVERY_ID_HEADER: str(delivery.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(delivery.secret, timestamp, body),
        }
        _post(self.client, delivery.url, content=body, headers=headers)


def _post(
    client: httpx.Client,
    url: str,
    *,
    headers: dict[str, str],
    content: bytes | None = None,
    json_body: dict[str, str] | None = None,
) -> None:
    try:
        response = client.post(url, content=content, json=json_body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if not response.is_success:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")
