"""Bounded integer types for every id and offset a client sends (path, query or body).

Database keys are signed 64-bit integers: a client's 2^63 reached the driver and came back as a 500. Every
id and offset in the API uses these types, so an out-of-range value is a 422 naming the field, decided
before any query runs, and the schema says the bounds.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types

ROW_ID_LIMIT = 2**63
"""One past the largest key a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds. The bound is written as
an exclusive maximum because the OpenAPI document carries numbers as floats: 2^63 is exact there, while
2^63 - 1 would be rounded up to 2^63 and tell clients the wrong limit."""

RowId = Annotated[int, annotated_types.Ge(1), annotated_types.Lt(ROW_ID_LIMIT)]
"""A database row id (station, van, owner, vehicle, offer, technician...)."""

Offset = Annotated[int, annotated_types.Ge(0), annotated_types.Lt(ROW_ID_LIMIT)]
"""How many rows of a list to skip."""

EventId = Annotated[int, annotated_types.Ge(0), annotated_types.Lt(ROW_ID_LIMIT)]
"""A position in the event log (``last_event_id``); 0 means from the start."""
