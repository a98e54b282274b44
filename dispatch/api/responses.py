"""Responses that the endpoint serialises itself."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as JSON, sent as it is.

    FastAPI checks what a plain ``def`` endpoint returns against its ``response_model`` in one more worker
    thread hop; for a model the endpoint has just built from its own schema that check can't fail and the
    hop costs a GIL hand-off per request. Hot endpoints return this instead and keep ``response_model`` on
    the route for the OpenAPI document.
    """
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
