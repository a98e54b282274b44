"""One JSON error shape for every failure, and the handlers that produce it.

    {"error": {"code": "not_found", "message": "未找到 / Not found", "field": null, "details": {}}}

422s name the offending field (`field`, plus every problem under `details.errors`). A database that cannot
be reached is a 503 with Retry-After (the client should try again; nothing was committed); so is a
transaction PostgreSQL rolled back to break a deadlock (code ``transaction_conflict``, retry at once).
Unknown exceptions become a bare 500 with no stack trace in the body; the trace goes to the log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from dispatch.errors import DispatchError

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: "请求无效 / Bad request",
    401: "未登录或登录已过期 / Not authenticated",
    403: "无权执行此操作 / Not allowed",
    404: "未找到 / Not found",
    405: "不支持该方法 / Method not allowed",
    409: "与当前状态冲突 / Conflict",
    413: "内容过大 / Payload too large",
    415: "不支持的文件类型 / Unsupported media type",
    422: "请求参数无效 / Invalid request",
}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: ErrorDetail


def error_response(
    status_code: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field, details=details or {}))
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


def field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """("body", "location", "lat") -> "location.lat"; the source prefix says nothing to a caller."""
    parts = [str(p) for p in location]
    if parts and parts[0] in _SOURCES and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DispatchError)
    return error_response(
        exc.status_code,
        exc.code,
        exc.message,
        field=exc.field,
        details=exc.details,
        headers=exc.headers or None,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(err) for err in exc.errors()]
    first = problems[0]["field"] if problems else None
    message = _HTTP_MESSAGES[422]
    if problems and problems[0]["type"] == "json_invalid":
        message = problems[0]["message"]
    elif first:
        message = f"字段 {first} 无效 / Invalid field {first}: {problems[0]['message']}"
    return error_response(422, "validation_error", message, field=first, details={"errors": problems})


def _problem(err: dict[str, Any]) -> dict[str, Any]:
    """One validation problem; a body that is not JSON at all is the body's fault, not a field's."""
    if err.get("type") == "json_invalid":
        position = err.get("loc", ("body", "?"))[-1]
        message = (
            f"请求体不是有效的 JSON（第 {position} 个字符）/ "
            f"The body is not valid JSON (at character {position})"
        )
        return {"field": "body", "message": message, "type": "json_invalid"}
    return {
        "field": field_path(err.get("loc", ())),
        "message": err.get("msg", ""),
        "type": err.get("type", ""),
    }


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if exc.status_code == 400:  # a body FastAPI could not parse (e.g. multipart without a boundary)
        message = f"{_HTTP_MESSAGES[400]}: {message}" if message else _HTTP_MESSAGES[400]
    message = message or _HTTP_MESSAGES.get(exc.status_code, "请求失败 / Request failed")
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


DATABASE_RETRY_AFTER_S = 5
# Errors that mean "the database is not answering" (connection refused or lost, pool exhausted, locked),
# not a bug in the statement.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


TRANSIENT_CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: this transaction lost a race and was rolled
back whole; the same request, sent again, normally succeeds."""


def _sqlstate(exc: Exception) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if _sqlstate(exc) in TRANSIENT_CONFLICT_SQLSTATES:
        log.warning("transaction conflict on %s %s: %s", request.method, request.url.path, _sqlstate(exc))
        return error_response(
            503,
            "transaction_conflict",
            "与同时进行的其他操作冲突，未做任何更改，请重试 / "
            "A simultaneous change got in the way; nothing was changed, please retry",
            headers={"Retry-After": "1"},
        )
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(
        503,
        "database_unavailable",
        "数据库暂时不可用，请稍后重试 / The database is unavailable, try again shortly",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "服务器内部错误 / Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DispatchError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(database_error, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": _HTTP_MESSAGES[code]} for code in (400, 401, 403, 404, 409, 422)
}
