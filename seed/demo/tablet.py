"""A rescue technician's tablet: hears offers, answers like a person, drives, pings, works, completes.

Decisions (answer, delays, gaps, tow or repair) come from a random stream keyed by the call and the
attempt, so a seed replays the same choices whatever order the network delivers things in.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any

from seed.demo.client import UnexpectedResponse, User, follow_stream
from seed.demo.context import SimContext
from seed.demo.roads import Drive, Point, gps_fix

PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PARTS = {
    "flat_tyre": ("TY-205/55R16", 1),
    "battery": ("BAT-L2-60AH", 1),
    "wont_start": ("FUSE-40A", 2),
    "accident": ("CLIP-BUMPER", 4),
    "out_of_fuel": ("FUEL-JERRYCAN-10L", 1),
}
DECLINE_REASONS = ("车辆故障 / Van has a fault", "正在加油 / Refuelling", "距离太远 / Too far for this shift")
CLOSED = frozenset({"completed", "towed", "cancelled", "failed"})


def iso(moment: datetime) -> str:
    return moment.isoformat()


class Tablet:
    """One van's tablet, signed in as its first technician."""

    def __init__(self, sim: SimContext, user: User, me: dict[str, Any]) -> None:
        self.sim = sim
        self.user = user
        self.van_id = int(me["van"]["id"])
        self.plate = str(me["van"]["plate"])
        last = me["van"].get("last_lat"), me["van"].get("last_lon")
        self.position: Point = (last[0], last[1]) if None not in last else sim.home_of(self.van_id)
        self.wake = asyncio.Event()
        self.offline: list[dict[str, Any]] = []  # actions queued while there is no signal

    @property
    def running(self) -> bool:
        return not self.sim.timeline.over

    async def run(self) -> None:
        self.sim.spawn(
            follow_stream(
                self.sim.api,
                "/api/streams/technician",
                self._on_event,
                user=self.user,
                running=lambda: self.running,
                label="technician",
            ),
            f"stream:{self.plate}",
        )
        for job in (await self.user.my_jobs())["active"]:  # a previous run left work in hand
            if job["status"] not in ("offered",):
                await self._work(job, self.sim.rng("resume", job["id"]))
        while self.running:
            self.wake.clear()  # before reading: an offer made while we answer wakes us again
            for offer in await self.user.offers():
                if not self.running:
                    return
                await self._answer(offer)
            if not self.wake.is_set():
                await self._idle()

    async def _on_event(self, envelope: dict[str, Any]) -> None:
        payload = envelope.get("payload") or {}
        if payload.get("to_status") == "offered" and payload.get("van_id") == self.van_id:
            self.wake.set()

    async def _idle(self) -> None:
        """Wait for an offer (the stream wakes us; a slow poll is the safety net)."""
        timeline = self.sim.timeline
        poll_real_s = timeline.clock.real_seconds(self.sim.pace.offer_poll_s)
        stopping = asyncio.ensure_future(timeline.stopping.wait())
        woken = asyncio.ensure_future(self.wake.wait())
        try:
            await asyncio.wait({stopping, woken}, timeout=poll_real_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            woken.cancel()

    async def _answer(self, offer: dict[str, Any]) -> None:
        job_id = str(offer["job_id"])
        serial = self.sim.serial_of.get(job_id, offer["job_reference"])
        rng = self.sim.rng("offer", serial, self.plate)
        choice = rng.random()
        # People glance at the tablet after a while: 10 s to a minute or so, sometimes longer.
        if not await self.sim.timeline.sleep(min(75.0, rng.gammavariate(2.0, 12.0))):
            return
        if choice < 0.08:
            self.sim.report.count("offers_ignored")  # the phone stays in a pocket; the offer expires
            return
        if choice < 0.18:
            status, _ = await self.user.decline_offer(int(offer["id"]), rng.choice(DECLINE_REASONS))
            self.sim.report.count("offers_declined" if status == 200 else "offers_too_late")
            return
        status, job = await self.user.accept_offer(int(offer["id"]))
        if status != 200:
            self.sim.report.count("offers_too_late")  # expired or withdrawn while we were deciding
            return
        self.sim.report.count("offers_accepted")
        self.sim.report.acknowledge("status", f"{job_id}:accepted")
        await self._work(job, rng)

    # -- one rescue ------------------------------------------------------------------------------------
    async def _work(self, job: dict[str, Any], rng: random.Random) -> None:
        job_id = str(job["id"])
        timeline = self.sim.timeline
        steps = {"accepted": 0, "en_route": 1, "on_site": 2, "in_service": 3}
        step = steps.get(job["status"], 4)
        if step == 0:
            if not await timeline.sleep(rng.uniform(60, 180)) or not await self._move(job_id, "en_route"):
                return
            step = 1
        if step == 1:
            drive = Drive.between(self.position, (float(job["lat"]), float(job["lon"])), rng)
            if not await self.drive(drive, rng):
                return
            if not await self._move(job_id, "on_site"):
                return
            step = 2
        if step == 2:
            if not await timeline.sleep(rng.uniform(120, 300)) or not await self._move(job_id, "in_service"):
                return
        await self._service(job, rng)

    async def _service(self, job: dict[str, Any], rng: random.Random) -> None:
        job_id, fault = str(job["id"]), str(job["fault_category"])
        if not await self.sim.timeline.sleep(rng.uniform(300, 900)):
            return
        if fault in PARTS:
            part, quantity = PARTS[fault]
            await self.user.add_parts(job_id, [{"part_number": part, "quantity": quantity}])
            self.sim.report.acknowledge("parts", job_id)
        await self.user.add_photo(job_id, f"{job['reference']}-site.png", PNG_1X1)
        self.sim.report.acknowledge("photo", job_id)
        if not await self.sim.timeline.sleep(rng.uniform(300, 1200)):
            return
        towed = fault == "needs_tow" or (fault == "accident" and rng.random() < 0.5)
        report: dict[str, Any] = {
            "fault_found": f"{job['fault_description'] or fault}",
            "work_done": "拖至服务站 / Towed to the station" if towed else "现场修复 / Repaired on site",
            "repaired_on_site": not towed,
        }
        if towed:
            report["towed_to_station_id"] = self.sim.vans[self.van_id]["station_id"]
        done = await self.user.complete(job_id, report)
        self.sim.report.acknowledge("status", f"{job_id}:{done['status']}")
        self.sim.report.count("jobs_completed")
        trace = self.sim.report.jobs.get(job_id)
        if trace is not None:
            trace.closed_status = str(done["status"])
        if towed:
            self.position = self.sim.home_of(self.van_id)  # the tow ends at the home station

    async def _move(self, job_id: str, status: str) -> bool:
        """A status step; False when the job was closed meanwhile (cancelled by the call center)."""
        now = self.sim.timeline.now()
        if self.offline:
            self.offline.append(
                {"type": "status", "job_id": job_id, "body": {"status": status, "recorded_at": iso(now)}}
            )
            await self._flush_offline()
            return True
        try:
            await self.user.move_job(job_id, status, iso(now))
        except UnexpectedResponse as exc:
            mine = await self.user.my_jobs()
            if exc.status == 409 and not any(j["id"] == job_id for j in mine["active"]):
                self.sim.report.count("jobs_closed_under_us")
                return False
            raise
        self.sim.report.acknowledge("status", f"{job_id}:{status}")
        if status == "on_site":
            trace = self.sim.report.jobs.get(job_id)
            if trace is not None:
                trace.arrived_at = now
        return True

    # -- driving -------------------------------------------------------------------------------------
    async def drive(self, drive: Drive, rng: random.Random) -> bool:
        """Drive, recording a fix every few seconds; in a tunnel fixes queue up and go later as a batch."""
        timeline, pace = self.sim.timeline, self.sim.pace
        started = timeline.now()
        gap_at = rng.uniform(0.2, 0.8) * drive.duration_s if rng.random() < 0.3 else None
        gap_s = rng.uniform(60, 240)
        # Send as often as a tablet would, but not more often than the link allows in real time.
        upload_every_s = max(pace.ping_every_s, pace.min_upload_real_s * timeline.speed)
        pending: list[dict[str, Any]] = []
        next_fix_s = 0.0
        while True:
            elapsed = (timeline.now() - started).total_seconds()
            while next_fix_s <= min(elapsed, drive.duration_s):
                pending.append(self._fix(drive, next_fix_s, started, rng))
                next_fix_s += pace.ping_every_s
            in_gap = gap_at is not None and gap_at <= elapsed < gap_at + gap_s
            if in_gap:
                self.offline.extend({"type": "pings", "body": [p]} for p in pending)
            elif pending:
                if self.offline:
                    self.offline.append({"type": "pings", "body": pending})
                    await self._flush_offline()
                else:
                    await self._send_pings(pending)
            pending = []
            self.position = drive.at(elapsed)
            if elapsed >= drive.duration_s:
                if in_gap:  # arrived in a dead spot: the arrival goes in the batch once back online
                    await timeline.sleep(gap_at + gap_s - elapsed if gap_at is not None else 0)
                return self.running
            if not await timeline.sleep(upload_every_s):
                return False

    def _fix(self, drive: Drive, at_s: float, started: datetime, rng: random.Random) -> dict[str, Any]:
        (lat, lon), accuracy_m = gps_fix(drive.at(at_s), rng)
        moving = at_s < drive.duration_s
        return {
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "accuracy_m": accuracy_m,
            "speed_kmh": round(max(0.0, rng.gauss(drive.speed_kmh, 8)), 1) if moving else 0.0,
            "heading_deg": round(drive.heading_deg(at_s), 1),
            "recorded_at": iso(started + timedelta(seconds=at_s)),
        }

    async def _send_pings(self, pings: list[dict[str, Any]]) -> None:
        for start in range(0, len(pings), 500):
            chunk = pings[start : start + 500]
            result = await self.user.pings(chunk)
            self.sim.report.count("pings", int(result["accepted"]))
            if result.get("ignored_future"):
                self.sim.report.error("pings from the future", str(result))

    async def _flush_offline(self) -> None:
        """Back in signal: everything queued goes in one offline batch, applied in order."""
        items, self.offline = self._merge_pings(self.offline), []
        result = await self.user.batch(items)
        self.sim.report.count("offline_batches")
        for item, outcome in zip(items, result["results"], strict=False):
            if outcome["status_code"] >= 400:
                self.sim.report.error(f"batch {item['type']} -> {outcome['status_code']}", str(outcome)[:300])
            elif item["type"] == "pings":
                self.sim.report.count("pings", len(item["body"]))
            elif item["type"] == "status":
                self.sim.report.acknowledge("status", f"{item['job_id']}:{item['body']['status']}")
                if item["body"]["status"] == "on_site":
                    trace = self.sim.report.jobs.get(str(item["job_id"]))
                    if trace is not None:
                        trace.arrived_at = datetime.fromisoformat(item["body"]["recorded_at"])

    @staticmethod
    def _merge_pings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        merged: list[dict[str, Any]] = []
        for item in items:
            joinable = merged and merged[-1]["type"] == "pings" and len(merged[-1]["body"]) < 500
            if item["type"] == "pings" and joinable:
                merged[-1]["body"].extend(item["body"])
            else:
                merged.append(
                    {**item, "body": list(item["body"]) if item["type"] == "pings" else item["body"]}
                )
        return merged
