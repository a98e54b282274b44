"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"`` with the subscriber's secret.

Headers sent with every delivery::

    X-Dispatch-Delivery-Id: <uuid>        the same on every retry: receivers deduplicate on it
    X-Dispatch-Timestamp:   <unix seconds>
    X-Dispatch-Signature:   sha256=<hex>

A receiver recomputes the HMAC with its secret and compares in constant time (`verify`), and refuses old
timestamps so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

DELIVERY_ID_HEADER = "X-Dispatch-Delivery-Id"
TIMESTAMP_HEADER = "X-Dispatch-Timestamp"
SIGNATURE_HEADER = "X-Dispatch-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, *, timestamp: int, body: bytes, signature: str, now_s: float, tolerance_s: float = 300
) -> bool:
    """True when `signature` is ours for this body and timestamp, and the timestamp is recent."""
    if abs(now_s - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
