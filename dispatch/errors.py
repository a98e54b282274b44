"""Domain errors, raised by services and mapped to HTTP responses in one place (`dispatch.api.errors`).

    DispatchError                     base; never raised itself
    ├── NotFound                      404: an id or reference that doesn't exist (or isn't yours to see)
    ├── Conflict                      409: the request is valid but the current state forbids it
    │   ├── IllegalTransition         a status change the lifecycle doesn't allow
    │   ├── VanUnavailable            the van already holds a job, or is off shift
    │   ├── DuplicateOpenJob          the vehicle already has an open rescue job
    │   ├── SlotTaken                 the booking slot was taken by someone else meanwhile
    │   ├── DayFull                   a campaign service day has reached its daily capacity
    │   ├── DuplicateBooking          the owner already has a booking that day
    │   └── VanTaken                  the van serves another campaign on one of the days
    ├── InvalidInput                  422: a value the schema accepts but the domain rejects; names the field
    │   └── IdempotencyKeyReused      an Idempotency-Key already used for a different request
    ├── PermissionDenied              403: authenticated, but not allowed to touch this
    ├── Gone                          410: it existed but has expired (an owner's tracking link)
    ├── TooManyAttempts               429: sign-in locked for a while; says when to retry (Retry-After)
    ├── PayloadTooLarge               413
    └── UnsupportedMediaType          415

Every error carries a message in Simplified Chinese first, then English ("中文 / English"), a stable
machine-readable `code`, and optional `details` for clients.
"""

from __future__ import annotations

from typing import Any


class DispatchError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the response should carry."""
        return {}


class NotFound(DispatchError):
    code = "not_found"
    status_code = 404


class Conflict(DispatchError):
    code = "conflict"
    status_code = 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class VanUnavailable(Conflict):
    code = "van_unavailable"


class DuplicateOpenJob(Conflict):
    code = "duplicate_open_job"


class SlotTaken(Conflict):
    code = "slot_taken"


class DayFull(Conflict):
    code = "day_full"


class DuplicateBooking(Conflict):
    code = "duplicate_booking"


class VanTaken(Conflict):
    code = "van_taken"


class InvalidInput(DispatchError):
    code = "invalid_input"
    status_code = 422


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


class PermissionDenied(DispatchError):
    code = "forbidden"
    status_code = 403


class Gone(DispatchError):
    code = "gone"
    status_code = 410


class PayloadTooLarge(DispatchError):
    code = "payload_too_large"
    status_code = 413


class UnsupportedMediaType(DispatchError):
    code = "unsupported_media_type"
    status_code = 415


class TooManyAttempts(DispatchError):
    code = "too_many_attempts"
    status_code = 429

    def __init__(self, retry_after_s: int):
        super().__init__(
            f"尝试次数过多，请 {retry_after_s} 秒后再试 / Too many attempts, try again in {retry_after_s} s",
            details={"retry_after_s": retry_after_s},
        )
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
