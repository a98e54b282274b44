"""What a re-plan changed compared with the published plan, for the planner to review before publishing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from dispatch.campaigns.models import Booking, PlanVisit

RETIME_THRESHOLD_S = 5 * 60
"""Start times shifting by less than this are not worth telling anyone about."""


@dataclass(frozen=True)
class VisitTime:
    van_id: int
    sequence: int
    start_at: datetime


def visit_times(session: Session, plan_id: uuid.UUID) -> dict[str, VisitTime]:
    """Booking id → where and when the plan serves it (including visits skipped since it was published)."""
    rows = session.exec(select(PlanVisit).where(PlanVisit.plan_id == plan_id))
    return {str(v.booking_id): VisitTime(v.van_id, v.sequence, v.start_at) for v in rows if v.booking_id}


def diff_plans(
    old: dict[str, VisitTime],
    new: dict[str, VisitTime],
    bookings: dict[str, Booking],
    active_ids: set[str],
    old_dropped: list[dict[str, Any]],
) -> dict[str, Any]:
    """Added, removed, moved to another van, retimed, and newly dropped bookings (by reference)."""
    was_dropped = {d["booking_id"] for d in old_dropped}
    moved, retimed = [], []
    for booking_id in sorted(set(old) & set(new)):
        before, after = old[booking_id], new[booking_id]
        reference = _reference(bookings, booking_id)
        if before.van_id != after.van_id:
            moved.append(
                {"booking_reference": reference, "from_van_id": before.van_id, "to_van_id": after.van_id}
            )
        shift_s = (after.start_at - before.start_at).total_seconds()
        if abs(shift_s) >= RETIME_THRESHOLD_S:
            retimed.append(
                {
                    "booking_reference": reference,
                    "from": before.start_at.isoformat(),
                    "to": after.start_at.isoformat(),
                    "shift_min": round(shift_s / 60),
                }
            )
    return {
        "added": [_reference(bookings, b) for b in sorted(set(new) - set(old))],
        "removed": [_reference(bookings, b) for b in sorted(set(old) - set(new))],
        "moved": moved,
        "retimed": retimed,
        "newly_dropped": [
            _reference(bookings, b) for b in sorted(active_ids - set(new)) if b not in was_dropped
        ],
        "unchanged": sum(
            1
            for b in set(old) & set(new)
            if old[b].van_id == new[b].van_id
            and abs((new[b].start_at - old[b].start_at).total_seconds()) < RETIME_THRESHOLD_S
        ),
    }


def _reference(bookings: dict[str, Booking], booking_id: str) -> str:
    booking = bookings.get(booking_id)
    return booking.reference if booking is not None else booking_id
