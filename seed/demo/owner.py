"""An owner who opened the tracking link: watches the live view until the job closes."""

from __future__ import annotations

from typing import Any

from seed.demo.client import follow_stream
from seed.demo.context import SimContext

CLOSED = frozenset({"completed", "towed", "cancelled", "failed"})


async def watch_tracking(sim: SimContext, token: str, job_id: str) -> None:
    """Follow ``/api/track/{token}/ws``; every update must be new and in order (resumes included)."""
    seen: set[int] = set()
    state = {"last": 0, "closed": False}

    async def on_message(envelope: dict[str, Any]) -> None:
        event_id = envelope.get("event_id")
        if event_id is None:
            return
        event_id = int(event_id)
        if event_id in seen and envelope["type"] != "tracking.snapshot":
            sim.report.error("tracking stream: duplicate event", f"{job_id} {event_id}")
        elif event_id < state["last"]:
            sim.report.error("tracking stream: out of order", f"{job_id} {event_id} after {state['last']}")
        seen.add(event_id)
        state["last"] = max(state["last"], event_id)
        sim.report.count("owner_updates")
        if (envelope.get("payload") or {}).get("status") in CLOSED:
            state["closed"] = True

    await follow_stream(
        sim.api,
        f"/api/track/{token}/ws",
        on_message,
        user=None,
        running=lambda: not sim.timeline.over and not state["closed"],
        label="tracking",
    )
