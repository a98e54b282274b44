"""KPIs read one kind of event over a period; the events table has an index for exactly that scan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from dispatch.clock import FrozenClock
from tests.conftest import is_postgres


@pytest.mark.skipif(is_postgres(), reason="reads SQLite's query plan; PostgreSQL plans by table statistics")
def test_a_period_of_one_kind_of_event_is_a_range_scan_of_the_kind_and_time_index(
    db: Session, clock: FrozenClock
) -> None:
    start = clock.now() - timedelta(days=30)
    plan = db.connection().execute(
        text(
            "EXPLAIN QUERY PLAN SELECT job_id, created_at, city_adcode FROM events "
            "WHERE kind = :kind AND created_at >= :start AND created_at < :end"
        ),
        {"kind": "job.created", "start": start, "end": clock.now()},
    )
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_events_kind_created_at" in detail
    assert "created_at>? AND created_at<?" in detail, detail
