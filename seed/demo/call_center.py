"""The call center: agents take the calls, and a person at the console handles what auto-dispatch won't.

Most calls are created with ``auto_dispatch``; a share is left for the person, who dispatches it after a
human delay. Jobs returned flagged (three noes, no van left) are dispatched again after a while; a job no
van can reach is handed to a partner towing firm (cancelled with that reason). One call-center websocket
watches every job's events, which the end-of-run check compares with the audit trail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from seed.demo.arrivals import Call, CallArrivals
from seed.demo.client import User, follow_stream
from seed.demo.context import SimContext
from seed.demo.owner import watch_tracking
from seed.demo.report import JobTrace

PARTNER_TOW = "无可用救援车，已转合作拖车公司 / No van can reach; handed to a partner towing firm"
ATTENTION_SWEEP_S = 600.0


class CallCenter:
    def __init__(
        self, sim: SimContext, agent: User, arrivals: CallArrivals, *, stream_running: Callable[[], bool]
    ) -> None:
        self.sim = sim
        self.stream_running = stream_running
        self.agent = agent
        self.arrivals = arrivals
        self.received: Counter[int] = Counter()  # event id -> times seen on the call-center stream
        self.event_jobs: dict[int, str] = {}
        self.ready = False
        self.first_seam: int | None = None
        self.left_for_person: set[str] = set()
        self.redispatches: Counter[str] = Counter()

    @property
    def running(self) -> bool:
        return not self.sim.timeline.over

    def start(self) -> None:
        self.sim.spawn(
            follow_stream(
                self.sim.api,
                "/api/streams/call-center",
                self._on_event,
                user=self.agent,
                running=self.stream_running,
                label="call-center",
            ),
            "stream:call-center",
        )
        self.sim.spawn(self._take_calls(), "calls")
        self.sim.spawn(self._attention_sweeps(), "attention")

    async def _on_event(self, envelope: dict[str, Any]) -> None:
        if envelope["type"] == "stream.ready" and self.first_seam is None:
            self.first_seam = int(envelope["payload"].get("last_event_id") or 0)
        event_id = envelope.get("event_id")
        if event_id is None:
            return
        self.received[int(event_id)] += 1
        if self.received[int(event_id)] > 1:
            self.sim.report.error("call-center stream: duplicate event", str(event_id))
        payload = envelope["payload"]
        self.event_jobs[int(event_id)] = str(payload.get("job_id"))
        if payload.get("to_status") == "created" and (payload.get("data") or {}).get("answer") == "expired":
            self.sim.report.count("offers_expired")

    async def _take_calls(self) -> None:
        timeline = self.sim.timeline
        for call in self.arrivals:
            if not await timeline.sleep_until(call.at):
                return
            self.sim.spawn(self._take(call), f"call:{call.serial}")

    async def _take(self, call: Call) -> None:
        status, created = await self.agent.create_job(call.body)
        if status == 409:
            self.sim.report.count("repeat_calls")  # the vehicle's job is still open: the agent says so
            return
        job = created["job"]
        job_id = str(job["id"])
        self.sim.report.count("calls")
        self.sim.serial_of[job_id] = call.serial
        self.sim.report.jobs[job_id] = JobTrace(serial=call.serial, job_id=job_id, called_at=call.at)
        rng = self.sim.rng("call", call.serial)
        if rng.random() < self.sim.pace.owner_share:
            self.sim.spawn(
                watch_tracking(self.sim, created["tracking_token"], job_id), f"owner:{call.serial}"
            )
        if job["status"] == "uncovered":
            await self._hand_to_partner(job_id, rng)
        elif call.left_for_person or created["offer"] is None:
            # Left for the person, or auto-dispatch found no free van: it waits in the agent's queue.
            self.left_for_person.add(job_id)
            if not call.left_for_person:
                self.sim.report.count("auto_dispatch_found_no_van")
            # The person at the console reads the call, checks the candidates, then dispatches.
            if await self.sim.timeline.sleep(rng.uniform(120, 360)):
                status, _ = await self.agent.dispatch_job(job_id)
                self.sim.report.count(
                    "dispatched_by_person" if status == 200 else "dispatch_taken_by_someone"
                )

    async def _hand_to_partner(self, job_id: str, rng: Any) -> None:
        if await self.sim.timeline.sleep(rng.uniform(180, 600)):
            status, _ = await self.agent.cancel_job(job_id, PARTNER_TOW)
            if status == 200:
                self.sim.report.count("handed_to_partner")
                self.sim.report.jobs[job_id].closed_status = "cancelled"

    async def _attention_sweeps(self) -> None:
        """The person looks at the flagged list now and then and tries again (twice, then a partner)."""
        while await self.sim.timeline.sleep(ATTENTION_SWEEP_S):
            for job in await self.agent.jobs_needing_attention():
                job_id = str(job["id"])
                if job["status"] not in ("created", "uncovered") or job_id not in self.sim.report.jobs:
                    continue
                self.redispatches[job_id] += 1
                if self.redispatches[job_id] > 2 or job["status"] == "uncovered":
                    status, _ = await self.agent.cancel_job(job_id, PARTNER_TOW)
                    if status == 200:
                        self.sim.report.count("handed_to_partner")
                        self.sim.report.jobs[job_id].closed_status = "cancelled"
                    continue
                status, _ = await self.agent.dispatch_job(job_id)
                self.sim.report.count("redispatched" if status == 200 else "dispatch_taken_by_someone")
