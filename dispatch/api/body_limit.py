"""Refuse a request body larger than any endpoint takes, before it is read.

The largest body any endpoint accepts is an upload (``settings.max_upload_bytes``) in its multipart
framing. Without this, a 1 GB upload would be received and spooled to disk before the upload endpoint
counted it. A stated ``Content-Length`` over the limit is answered at once; a body that arrives without
one is counted as it streams and cut off once it passes the limit. Both get the shared JSON error shape.
(FastAPI's own ``max_body_size`` answers in plain text, so it is not used.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.api.errors import error_response
from dispatch.errors import PayloadTooLarge

MULTIPART_OVERHEAD_BYTES = 64 * 1024
_MESSAGE = "请求内容过大 / Request body too large"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stated = Headers(scope=scope).get("content-length")
        if stated is not None and stated.isdigit() and int(stated) > self.max_body_bytes:
            details = {"max_bytes": self.max_body_bytes}
            await error_response(413, PayloadTooLarge.code, _MESSAGE, details=details)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # An HTTPException, not a domain error: FastAPI turns anything else raised while it
                    # reads a body into a 400.
                    raise HTTPException(413, _MESSAGE)
            return message

        await self.app(scope, counted_receive, send)
