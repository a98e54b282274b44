"""Drive a live server's API as the other people in a story would: an agent, a technician, a planner."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.web.live_server import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_TECHNICIANS_TRIED = 40


def _on_shift(van: dict[str, Any], now: datetime) -> bool:
    clock = now.astimezone(SHANGHAI).time()
    start, end = time.fromisoformat(van["shift_start"]), time.fromisoformat(van["shift_end"])
    # An hour of margin at the end: the test must not watch the shift close under it.
    end_margin = (datetime.combine(date.today(), end) - timedelta(hours=1)).time()
    if start <= end:
        return start <= clock < end_margin
    return clock >= start or clock < end_margin


class FieldCrew:
    """A technician of a free rescue van on shift now, found through the public API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.agent = sign_in(url, "agent")
        now = datetime.now(UTC)
        for n in range(1, MAX_TECHNICIANS_TRIED + 1):
            username = f"tech{n:03d}"
            headers = sign_in(url, username)
            crew = httpx.get(f"{url}/api/field/me", headers=headers).json()
            van = httpx.get(f"{url}/api/fleet/vans/{crew['van']['id']}", headers=self.agent).json()
            if van["kind"] == "rescue" and van["status"] == "available" and _on_shift(van, now):
                self.username, self.headers, self.van = username, headers, van
                stations = httpx.get(f"{url}/api/fleet/stations", headers=self.agent).json()
                self.station = next(s for s in stations if s["id"] == van["station_id"])
                return
        raise AssertionError(f"no free rescue van on shift among the first {MAX_TECHNICIANS_TRIED} crews")

    def write(self, path: str, body: Any = None) -> dict[str, Any]:
        """A tablet write (every one carries its own Idempotency-Key)."""
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        response = httpx.post(self.url + path, json=body, headers=headers)
        assert response.is_success, response.text
        result: dict[str, Any] = response.json()
        return result

    def rescue_job_dispatched_to_me(self, lat: float, lon: float) -> dict[str, Any]:
        """An agent takes a breakdown call at (lat, lon) and offers it to this crew's van."""
        body = {
            "caller_name": "王建国",
            "caller_phone": "13812345678",
            "vehicle": {"plate": "浙A" + uuid.uuid4().hex[:5].upper(), "powertrain": "ev"},
            "fault_category": "battery",
            "location": {"lat": lat, "lon": lon, "datum": "wgs84"},
        }
        created = httpx.post(f"{self.url}/api/call-center/jobs", json=body, headers=self.agent)
        assert created.status_code == 201, created.text
        job = created.json()
        pick = {"van_id": self.van["id"], "reason": "浏览器测试 / browser test"}
        dispatched = httpx.post(
            f"{self.url}/api/call-center/jobs/{job['job']['id']}/dispatch", json=pick, headers=self.agent
        )
        assert dispatched.status_code == 200, dispatched.text
        job["offer"] = dispatched.json()["offer"]
        return job

    def ping(self, lat: float, lon: float) -> None:
        self.write("/api/field/pings", {"lat": lat, "lon": lon, "recorded_at": datetime.now(UTC).isoformat()})
