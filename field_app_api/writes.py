"""The HTTP edge of idempotency: one dependency every write endpoint takes.

    @router.post("/jobs/{job_id}/notes", response_model=NoteRead, status_code=201)
    def add_note(body: NoteCreate, write: IdempotentWriteDep, ...) -> Response:
        return write.respond(body, lambda: NoteRead.of(service.add_note(...)), status_code=201)

A replayed response carries the header ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from dispatch.api.deps import ClockDep, SessionDep, TechnicianDep
from field_app_api.idempotency import KEY_HEADER, Outcome, run_once

REPLAYED_HEADER = "Idempotent-Replayed"


def jsonable(value: Any) -> Any:
    """Pydantic models (and lists of them) as plain JSON values, the form responses are stored in."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return jsonable_encoder(value)


def outcome_response(outcome: Outcome) -> JSONResponse:
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@dataclass(frozen=True)
class IdempotentWrite:
    """One write request: who sent it, under which key, to which path, at what time."""

    session: Session
    user_id: int
    key: str | None
    method: str
    path: str
    now: datetime

    def run(self, body: Any, action: Callable[[], Any], *, status_code: int = 200) -> Outcome:
        return run_once(
            session=self.session,
            user_id=self.user_id,
            key=self.key,
            method=self.method,
            path=self.path,
            body=jsonable(body),
            now=self.now,
            status_code=status_code,
            action=lambda: jsonable(action()),
        )

    def respond(self, body: Any, action: Callable[[], Any], *, status_code: int = 200) -> JSONResponse:
        """Run `action` once for this key and answer with its (possibly replayed) response."""
        return outcome_response(self.run(body, action, status_code=status_code))


def get_idempotent_write(
    request: Request,
    user: TechnicianDep,
    session: SessionDep,
    clock: ClockDep,
    idempotency_key: Annotated[
        uuid.UUID | None,
        Header(alias=KEY_HEADER, description="Client-generated UUID / 客户端生成的 UUID"),
    ] = None,
) -> IdempotentWrite:
    assert user.id is not None
    return IdempotentWrite(
        session=session,
        user_id=user.id,
        key=str(idempotency_key) if idempotency_key is not None else None,
        method=request.method,
        path=request.url.path,
        now=clock.now(),
    )


IdempotentWriteDep = Annotated[IdempotentWrite, Depends(get_idempotent_write)]
