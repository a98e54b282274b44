"""Keep owners' link tokens out of the server's logs.

The token in ``/track/{token}``, ``/api/track/{token}…`` and ``/api/my-booking/{token}…`` is an owner's
only credential, and access logs (uvicorn's request lines, its websocket "accepted" lines) outlive it.
A logging filter rewrites those paths to keep the first 4 characters, enough to match a complaint to a
log line, useless to anyone reading the log.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/(?:track|my-booking)/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{12,}")
REDACTED = r"\1\2…"
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """The text with every owner token in a path cut to its first 4 characters."""
    return TOKEN_IN_PATH.sub(REDACTED, text)


class TokenRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install_token_redaction() -> None:
    """Filter uvicorn's request and websocket log lines (idempotent: one filter per logger)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedaction) for f in logger.filters):
            logger.addFilter(TokenRedaction())
