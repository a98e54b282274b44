"""List endpoints return a JSON array and say the total before offset and limit in ``X-Total-Count``."""

from __future__ import annotations

from typing import Any

from fastapi import Response

TOTAL_COUNT = "X-Total-Count"

TOTAL_COUNT_HEADER: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            TOTAL_COUNT: {
                "description": "how many items match, before offset and limit / 符合条件的总数",
                "schema": {"type": "integer"},
            }
        }
    }
}


def set_total_count(response: Response, total: int) -> None:
    response.headers[TOTAL_COUNT] = str(total)
