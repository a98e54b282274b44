"""Actions a tablet queued while offline, applied in the client's order, each on its own.

Every item runs in its own savepoint: a failing item (illegal transition, unknown job, someone else's
job, invalid data) is rolled back alone, events included, and reported in the shared error shape, while
the items before and after it stand. An item may carry its own ``idempotency_key``: it is checked exactly
as if the same action had been sent alone to its endpoint, so re-sending a batch never applies twice.

    {"items": [
      {"type": "status", "job_id": "…", "idempotency_key": "…", "body": {"status": "on_site"}},
      {"type": "note", "job_id": "…", "body": {"text": "…"}},
      {"type": "pings", "body": [{"lat": …, "lon": …, "recorded_at": "…"}]},
      {"type": "visit_status", "visit_id": 17, "idempotency_key": "…", "body": {"status": "completed"}}
    ]}
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlmodel import Session

from dispatch.api.errors import ErrorDetail
from dispatch.api.ids import RowId
from dispatch.errors import DispatchError
from dispatch.events.service import PENDING_KEY
from field_app_api import actions
from field_app_api.idempotency import parse_key, run_once
from field_app_api.schemas import (
    BatchItemResult,
    BatchResult,
    CompletionReport,
    LabourCreate,
    NoteCreate,
    PartsCreate,
    PingPayload,
    StatusChange,
    VisitStatusChange,
)
from field_app_api.writes import jsonable


class _JobItem(BaseModel):
    job_id: uuid.UUID
    idempotency_key: str | None = None


class StatusItem(_JobItem):
    type: Literal["status"]
    body: StatusChange


class CompleteItem(_JobItem):
    type: Literal["complete"]
    body: CompletionReport


class NoteItem(_JobItem):
    type: Literal["note"]
    body: NoteCreate


class PartsItem(_JobItem):
    type: Literal["parts"]
    body: PartsCreate


class LabourItem(_JobItem):
    type: Literal["labour"]
    body: LabourCreate


class PingsItem(BaseModel):
    type: Literal["pings"]
    idempotency_key: str | None = None
    body: PingPayload


class VisitStatusItem(BaseModel):
    type: Literal["visit_status"]
    visit_id: RowId
    idempotency_key: str | None = None
    body: VisitStatusChange


BatchItem = Annotated[
    StatusItem | CompleteItem | NoteItem | PartsItem | LabourItem | PingsItem | VisitStatusItem,
    Field(discriminator="type"),
]
_ITEM = TypeAdapter[BatchItem](BatchItem)

# type -> (endpoint path under the prefix, status code, action): the same as the single endpoints.
_JOB_ACTIONS: dict[str, tuple[str, int, Callable[[actions.Context, uuid.UUID, Any], Any]]] = {
    "status": ("status", 200, actions.change_status),
    "complete": ("complete", 200, actions.complete),
    "note": ("notes", 201, actions.add_note),
    "parts": ("parts", 201, actions.add_parts),
    "labour": ("labour", 200, actions.add_labour),
}


def run_batch(*, ctx: actions.Context, user_id: int, items: list[dict[str, Any]]) -> BatchResult:
    """Apply `items` in order; one result per item, whatever happened to the others."""
    results = [_run_item(ctx, user_id, index, raw) for index, raw in enumerate(items)]
    failed = sum(1 for r in results if r.error is not None)
    return BatchResult(applied=len(results) - failed, failed=failed, results=results)


def _run_item(ctx: actions.Context, user_id: int, index: int, raw: dict[str, Any]) -> BatchItemResult:
    item_type = raw.get("type") if isinstance(raw.get("type"), str) else None
    try:
        item = _ITEM.validate_python(raw)
        key = parse_key(item.idempotency_key, field=f"items.{index}.idempotency_key")
        method, path, status_code, action = _route(ctx, item)
        with _item_savepoint(ctx.session):
            outcome = run_once(
                session=ctx.session,
                user_id=user_id,
                key=key,
                method=method,
                path=path,
                body=jsonable(item.body),
                now=ctx.now,
                status_code=status_code,
                action=lambda: jsonable(action()),
            )
    except ValidationError as exc:
        return _invalid(index, item_type, exc)
    except DispatchError as exc:
        error = ErrorDetail(code=exc.code, message=exc.message, field=exc.field, details=exc.details)
        return BatchItemResult(
            index=index, type=item_type, status_code=exc.status_code, error=error.model_dump()
        )
    return BatchItemResult(
        index=index,
        type=item_type,
        status_code=outcome.status_code,
        body=outcome.body,
        replayed=outcome.replayed,
    )


def _route(ctx: actions.Context, item: Any) -> tuple[str, str, int, Callable[[], Any]]:
    if isinstance(item, PingsItem):
        return "POST", f"{actions.PREFIX}/pings", 200, lambda: actions.record_pings(ctx, item.body)
    if isinstance(item, VisitStatusItem):
        path = f"{actions.PREFIX}/visits/{item.visit_id}/status"
        return "POST", path, 200, lambda: actions.move_visit(ctx, item.visit_id, item.body)
    segment, status_code, action = _JOB_ACTIONS[item.type]
    path = f"{actions.PREFIX}/jobs/{item.job_id}/{segment}"
    return "POST", path, status_code, lambda: action(ctx, item.job_id, item.body)


@contextmanager
def _item_savepoint(session: Session) -> Iterator[None]:
    """A savepoint for one item; on failure its queued events are dropped too (they never happened)."""
    pending: list[Any] = session.info.setdefault(PENDING_KEY, [])
    mark = len(pending)
    try:
        with session.begin_nested():
            yield
    except BaseException:
        del session.info.setdefault(PENDING_KEY, [])[mark:]
        raise


def _invalid(index: int, item_type: str | None, exc: ValidationError) -> BatchItemResult:
    problems = [
        {
            "field": ".".join([f"items.{index}", *(str(part) for part in _without_tag(err, item_type))]),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    first = problems[0]["field"] if problems else f"items.{index}"
    error = ErrorDetail(
        code="validation_error",
        message=f"字段 {first} 无效 / Invalid field {first}: {problems[0]['message'] if problems else ''}",
        field=first,
        details={"errors": problems},
    )
    return BatchItemResult(index=index, type=item_type, status_code=422, error=error.model_dump())


def _without_tag(error: Any, item_type: str | None) -> tuple[Any, ...]:
    """Pydantic puts the union tag first in a location ("note", "body", "text"); clients never sent it."""
    location = tuple(error.get("loc", ()))
    return location[1:] if location and location[0] == item_type else location
