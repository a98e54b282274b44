"""Keep credentials out of the logs: uvicorn writes every request line, query string included.

Bearer tokens (``?token=``, the deprecated websocket sign-in), websocket tickets, and the owners' link tokens
in paths (``/track/…``, ``/api/track/…``, ``/api/my-booking/…``) are replaced by ``***`` in every record of
the uvicorn loggers (the access log, and the error log's "WebSocket /path" lines).
"""

from __future__ import annotations

import logging
import re

_SECRETS = (
    (re.compile(r"([?&](?:token|ticket|access_token)=)[^&\s\"']+"), r"\1***"),
    (re.compile(r"(/(?:track|my-booking)/)[^/\s\"'?]+"), r"\1***"),
)
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction() -> None:
    """Add the filter to uvicorn's loggers, once per process."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
