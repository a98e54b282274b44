"""When follow-up calls fall due: 24 hours, 3 days and 5 days after completion, moved into calling hours.

The call center calls owners between 09:00 and 20:00 China time; a call that would fall due outside those
hours is due at the next 09:00 instead, so nobody is called at night and the queue is ready each morning.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

CALL_CENTER_ZONE = ZoneInfo("Asia/Shanghai")
CALLING_STARTS = time(9, 0)
CALLING_ENDS = time(20, 0)
FOLLOW_UP_STEPS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "3d": timedelta(days=3),
    "5d": timedelta(days=5),
}
ESCALATION_ACK = timedelta(hours=1)


def in_calling_hours(moment: datetime) -> datetime:
    """`moment`, or the next 09:00 local when it falls outside calling hours (returned in UTC)."""
    local = moment.astimezone(CALL_CENTER_ZONE)
    if local.time() < CALLING_STARTS:
        local = datetime.combine(local.date(), CALLING_STARTS, CALL_CENTER_ZONE)
    elif local.time() >= CALLING_ENDS:
        local = datetime.combine(local.date() + timedelta(days=1), CALLING_STARTS, CALL_CENTER_ZONE)
    return local.astimezone(UTC)


def due_times(completed_at: datetime) -> dict[str, datetime]:
    """The three follow-up calls for a job or visit completed at `completed_at`."""
    return {step: in_calling_hours(completed_at + offset) for step, offset in FOLLOW_UP_STEPS.items()}
