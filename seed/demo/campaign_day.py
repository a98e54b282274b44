"""A countryside service day: the planner books villagers, plans and publishes; the mobile station's crew
runs the plan in order with a lunch break, marking each visit started on arrival and completed after the
service (so owners' links and the planner see the day progress); mid-morning an owner moves a booking, the
planner re-plans, and the crew follows the new order.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from seed.demo.client import User
from seed.demo.context import SimContext
from seed.demo.roads import Drive, Point
from seed.demo.tablet import Tablet
from seed.world import NINGHAI, OwnerSpec

SHANGHAI = ZoneInfo("Asia/Shanghai")
SERVICES = [
    {"code": "inspection", "name": "安全检测 / Inspection", "duration_min": 20},
    {"code": "maintenance", "name": "保养 / Maintenance", "duration_min": 30},
    {"code": "repair", "name": "小修 / Repair", "duration_min": 45},
]
BOOKINGS = 8
MOVE_AT = time(10, 30)


def service_day_for(start: datetime) -> date:
    """The campaign runs today if the simulation starts before the 08:00 shift start, else tomorrow."""
    local = start.astimezone(SHANGHAI)
    return local.date() if local.time() < time(8, 0) else local.date() + timedelta(days=1)


class CampaignDay:
    def __init__(
        self,
        sim: SimContext,
        planner: User,
        crew: Tablet,
        owners: list[OwnerSpec],
        host_station_id: int,
        *,
        day: date,
    ) -> None:
        self.sim = sim
        self.planner = planner
        self.crew = crew
        self.owners = [o for o in owners if o.county_adcode == NINGHAI]
        self.host_station_id = host_station_id
        self.day = day
        self.rng = sim.rng("campaign", self.day.isoformat())
        self.campaign: dict[str, Any] = {}
        self.bookings: dict[str, dict[str, Any]] = {}  # reference -> booking (with its tracking token)
        self.visited: list[str] = []
        self.moved: str | None = None
        self.windows: list[str] = []

    async def prepare(self) -> None:
        """The planner's work before the day: the campaign, the bookings, the published plan."""
        await self.sim.guarded(self._prepare(), "campaign-prepare")

    async def run(self) -> None:
        if not self.campaign:
            return
        self.sim.spawn(self._owner_moves_a_visit(), "campaign-move")
        await self._crew_runs_the_day()

    # -- the planner, the day before -----------------------------------------------------------------
    async def _prepare(self) -> None:
        van_id = self.crew.van_id
        self.campaign = await self.planner.create_campaign(
            {
                "name": f"宁海县送服务下乡 {self.day.isoformat()} / Ninghai countryside service day",
                "mode": "door_to_door",
                "county_adcodes": [NINGHAI],
                "start_date": self.day.isoformat(),
                "end_date": self.day.isoformat(),
                "host_station_id": self.host_station_id,
                "vans": [
                    {"van_id": van_id, "shift_start": "08:00", "shift_end": "17:30", "lunch_minutes": 45}
                ],
                "services": SERVICES,
                "daily_capacity": 20,
            }
        )
        self.sim.report.count("campaigns")
        for owner in self.rng.sample(self.owners, len(self.owners)):
            if len(self.bookings) >= BOOKINGS:
                break
            await self._book(owner)
        await self._plan_and_publish()

    async def _book(self, owner: OwnerSpec) -> None:
        """The agent asks the system for the day's windows once, then offers them to each caller in turn;
        the booking itself is checked against the day's routes (a refusal means try another window)."""
        service = self.rng.choice(SERVICES)["code"]
        place = {"lat": owner.lat, "lon": owner.lon}
        if not self.windows:
            options = await self.planner.availability(
                self.campaign["id"], {"service_code": service, **place, "service_date": self.day.isoformat()}
            )
            if options is None:
                return  # lives just over the county line: the campaign does not go there
            self.windows = [w["start"] for d in options["days"] for w in d["windows"]]
        for window_start in self.rng.sample(self.windows, len(self.windows)):
            status, booking = await self.planner.book(
                self.campaign["id"],
                {
                    "owner_name": owner.name,
                    "phone": owner.phone,
                    **place,
                    "address": owner.address,
                    "service_code": service,
                    "service_date": self.day.isoformat(),
                    "window_start": window_start,
                },
            )
            if status == 200 and booking is not None:
                self.bookings[booking["reference"]] = booking
                self.sim.report.count("bookings")
                return
            if status == 422 and booking == "outside":
                return
            self.sim.report.count("booking_windows_refused")  # full, or no longer fits the day

    async def _plan_and_publish(self) -> dict[str, Any]:
        plan = await self.planner.build_plan(self.campaign["id"], self.day.isoformat())
        published = await self.planner.publish_plan(plan["id"])
        self.sim.report.count("plans_published")
        return published

    # -- an owner moves their visit mid-morning; the planner re-plans ----------------------------------
    async def _owner_moves_a_visit(self) -> None:
        moment = datetime.combine(self.day, MOVE_AT, tzinfo=SHANGHAI)
        if not await self.sim.timeline.sleep_until(moment):
            return
        waiting = [ref for ref in self.bookings if ref not in self.visited]
        for reference in reversed(waiting):
            token = self.bookings[reference]["tracking_token"]
            options = await self.planner.my_booking_availability(token)
            current = self.bookings[reference]["window"]["start"]
            later = [
                w
                for d in options["days"]
                for w in d["windows"]
                if w["feasible"] and d["service_date"] == self.day.isoformat() and w["start"] > current
            ]
            if not later:
                continue
            status, _ = await self.planner.move_my_booking(
                token, {"service_date": self.day.isoformat(), "window_start": later[-1]["start"]}
            )
            if status == 200:
                self.moved = reference
                self.sim.report.count("bookings_moved")
                await self._plan_and_publish()
                return
        self.sim.report.count("booking_move_found_no_window")  # every later window is taken or past

    # -- the crew --------------------------------------------------------------------------------------
    async def _crew_runs_the_day(self) -> None:
        timeline, crew = self.sim.timeline, self.crew
        rng = self.sim.rng("crew", self.day.isoformat())
        depot = self.sim.home_of(crew.van_id)
        crew.position = depot
        seen_plan: list[str] = []
        lunched = False
        while not timeline.over:
            plan = await crew.user.plan_today()
            self.sim.report.count("plan_reads")
            if plan["service_date"] != self.day.isoformat():
                if not await timeline.sleep(600):
                    return
                continue
            order = [s["booking_reference"] for s in plan["stops"] if s["booking_reference"]]
            if seen_plan and order != seen_plan:
                self.sim.report.count("plan_changes_seen")
            seen_plan = order
            upcoming = [
                s
                for s in plan["stops"]
                if s["booking_reference"] not in self.visited and s["status"] in ("planned", "in_progress")
            ]
            lunch = _lunch_of(plan)
            if not upcoming:
                # Every stop is done; the plan may still put lunch after the last one.
                if not lunched and lunch is not None and not await self._lunch(lunch):
                    return
                break
            stop = upcoming[0]
            lunch_at_stop = None
            if not lunched and lunch is not None and _lunch_comes_before(stop, lunch):
                lunched = True
                if lunch[0] >= datetime.fromisoformat(stop["planned_arrival_at"]):
                    lunch_at_stop = lunch  # while waiting there for the window
                else:
                    if not await self._lunch(lunch):
                        return
                    continue
            if not await self._visit(stop, rng, lunch_at_stop):
                return
        await self._drive(depot, rng)
        self.sim.report.count("campaign_days_done")

    async def _lunch(self, lunch: tuple[datetime, int]) -> bool:
        """The break as the tablet's plan has it: from its start (not before), for its length."""
        start, minutes = lunch
        if not await self.sim.timeline.sleep_until(start):
            return False
        self.sim.report.count("lunch_breaks")
        return await self.sim.timeline.sleep(minutes * 60)

    async def _visit(
        self, stop: dict[str, Any], rng: random.Random, lunch: tuple[datetime, int] | None = None
    ) -> bool:
        """Drive there, (eat if the plan says so while waiting), wait for the window, serve."""
        timeline = self.sim.timeline
        target = (float(stop["lat"]), float(stop["lon"]))
        drive = Drive.between(self.crew.position, target, rng)
        leave_at = datetime.fromisoformat(stop["planned_arrival_at"]) - timedelta(seconds=drive.duration_s)
        if not await timeline.sleep_until(leave_at) or not await self._drive(target, rng, drive):
            return False
        arrived = timeline.now()
        if lunch is not None and not await self._lunch(lunch):
            return False
        window_start = stop.get("window_start")
        if window_start and not await timeline.sleep_until(datetime.fromisoformat(window_start)):
            return False
        started, _ = await self.crew.user.move_visit(
            stop["visit_id"], "in_progress", timeline.now().isoformat()
        )
        if started != 200:
            # The owner moved (or cancelled) it while the crew was on the way: on to today's plan again.
            self.sim.report.count("visits_moved_before_arrival")
            return True
        self.sim.report.count("visits_started")
        planned = datetime.fromisoformat(stop["planned_arrival_at"])
        self.sim.report.count("visits_done")
        self.sim.report.counts["visit_late_minutes_total"] += max(
            0, int((arrived - planned).total_seconds() // 60)
        )
        service_s = (
            datetime.fromisoformat(stop["planned_departure_at"])
            - datetime.fromisoformat(stop["planned_start_at"])
        ).total_seconds()
        self.visited.append(str(stop["booking_reference"]))
        if not await timeline.sleep(max(300.0, service_s)):
            return False
        completed, _ = await self.crew.user.move_visit(
            stop["visit_id"], "completed", timeline.now().isoformat()
        )
        if completed != 200:  # a started visit is locked: nobody may move or cancel it
            self.sim.report.error(
                "POST /api/field/visits/{id}/status completed refused", str(stop["visit_id"])
            )
            return True
        self.sim.report.count("visits_completed")
        return True

    async def _drive(self, target: Point, rng: random.Random, drive: Drive | None = None) -> bool:
        drive = drive or Drive.between(self.crew.position, target, rng)
        return await self.crew.drive(drive, rng)


def _lunch_of(plan: dict[str, Any]) -> tuple[datetime, int] | None:
    """The lunch the crew's own plan shows (``GET /api/field/plan/today``)."""
    if not plan.get("lunch_start_at"):
        return None
    return datetime.fromisoformat(plan["lunch_start_at"]), int(plan.get("lunch_minutes") or 45)


def _lunch_comes_before(stop: dict[str, Any], lunch: tuple[datetime, int]) -> bool:
    """Lunch comes before the first service that starts after it (the van may eat while it waits for a
    window, so the arrival says nothing)."""
    return datetime.fromisoformat(stop["planned_start_at"]) > lunch[0]
