"""Fleet administration tests: the example network on disk, and no fleet snapshot leaking between tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch.jobs.fleet_snapshot import invalidate_fleet_snapshots

EXAMPLE_NETWORK = Path(__file__).resolve().parents[3] / "examples" / "network"


@pytest.fixture(autouse=True)
def _fresh_fleet_snapshot() -> Iterator[None]:
    """Tests retire and add vans inside rolled-back transactions; the next test must not see them."""
    invalidate_fleet_snapshots()
    yield
    invalidate_fleet_snapshots()


def example_files() -> dict[str, tuple[str, bytes, str]]:
    """The shipped example network, as multipart uploads for `POST /api/fleet/import`."""
    return {
        kind: (f"{kind}.csv", (EXAMPLE_NETWORK / f"{kind}.csv").read_bytes(), "text/csv")
        for kind in ("stations", "vans", "crews", "shifts")
    }
