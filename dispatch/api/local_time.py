"""Shift and lunch times: a local wall-clock time (Asia/Shanghai) written "08:00" or "08:00:00".

The schema used to say ``format: time`` (RFC 3339, which wants a UTC offset) while the API took and gave
times without one, and also took bare numbers of seconds. This type says what it takes, in the schema
and in behaviour: a string ``HH:MM`` or ``HH:MM:SS``, no offset.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
_COMPILED = re.compile(PATTERN)


def _wall_clock(value: Any) -> Any:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _COMPILED.fullmatch(value):
        return value
    raise ValueError("需为本地时间 HH:MM / must be a local time HH:MM or HH:MM:SS, without a UTC offset")


LocalTime = Annotated[
    time,
    BeforeValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PATTERN,
            "examples": ["08:00"],
            "description": "local wall-clock time (Asia/Shanghai) / 北京时间",
        }
    ),
]
