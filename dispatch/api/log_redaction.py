"""Keep credentials out of the logs: uvicorn writes every request line, query string included.

Bearer tokens (``?token=``, the deprecated websocket sign-in) and websocket tickets become ``***``. The
owners' link tokens in paths (``/track/…``, ``/api/track/…``, ``/api/my-booking/…``) keep their first 4
characters, enough to match a complaint to a log line, useless to anyone reading the log. The filter sits
on uvicorn's loggers (the access log, and the error log's "WebSocket /path" lines) and on the SMS log
channel, whose messages carry the owner's tracking link.
"""

from __future__ import annotations

import logging
import re

_SECRETS = (
    (re.compile(r"([?&](?:token|ticket|access_token)=)[^&\s\"']+"), r"\1***"),
    (re.compile(r"(/(?:track|my-booking)/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{12,}"), r"\1\2…"),
)
LOGGERS = ("uvicorn.access", "uvicorn.error", "dispatch.sms")


def redact(text: str) -> str:
    """The text with every credential replaced (query tokens) or cut to 4 characters (owners' links)."""
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
    """Add the filter to each logger that may see a credential, once per process."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
