"""The technician's side of browser tests: the field API over HTTP, as a tablet would call it."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.web.live_server import LiveServer, sign_in


def technician_of_van(server: LiveServer, van_id: int) -> str:
    """A crew member's username (test set-up reads the seeded world; the screens never do)."""
    path = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT u.username FROM users u JOIN technicians t ON u.technician_id = t.id "
            "WHERE t.van_id = ? ORDER BY u.username LIMIT 1",
            (van_id,),
        ).fetchone()
    assert row is not None, f"no technician crews van {van_id}"
    return str(row[0])


class Tablet:
    def __init__(self, server: LiveServer, username: str) -> None:
        self.client = httpx.Client(base_url=server.url, headers=sign_in(server.url, username), timeout=30)

    def close(self) -> None:
        self.client.close()

    def write(self, path: str, body: Any) -> Any:
        response = self.client.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code < 300, response.text
        return response.json()

    def accept_offer_for(self, job_id: str) -> Any:
        offers = self.client.get("/api/field/offers").json()
        offer = next(o for o in offers if o["job_id"] == job_id)
        return self.write(f"/api/field/offers/{offer['id']}/accept", {})

    def status(self, job_id: str, status: str) -> Any:
        return self.write(f"/api/field/jobs/{job_id}/status", {"status": status})

    def ping(self, lat: float, lon: float) -> Any:
        now = datetime.now(UTC).isoformat()
        return self.write("/api/field/pings", {"lat": lat, "lon": lon, "recorded_at": now})
