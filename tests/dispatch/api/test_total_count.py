"""Issue 15: every list endpoint keeps returning a JSON array and says the total in X-Total-Count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

Auth = Callable[[str], dict[str, str]]


def test_every_list_endpoint_documents_the_total(app: FastAPI) -> None:
    missing = []
    for path, operations in app.openapi()["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if ok.get("type") == "array" and "X-Total-Count" not in get["responses"]["200"].get("headers", {}):
            missing.append(path)
    # An audit trail is not a list to page through.
    assert missing == ["/api/call-center/jobs/{job_key}/events"]


@pytest.mark.parametrize(
    ("url", "user"),
    [("/api/fleet/vans", "agent"), ("/api/fleet/stations", "agent"), ("/api/admin/users", "admin")],
)
def test_the_total_is_counted_before_offset_and_limit(
    client: TestClient, auth: Auth, url: str, user: str
) -> None:
    everything = client.get(url, headers=auth(user))
    total = int(everything.headers["X-Total-Count"])
    assert total == len(everything.json()) and total > 1
    if url == "/api/fleet/vans":
        page = client.get(url, params={"limit": 1, "offset": 1}, headers=auth(user))
        assert len(page.json()) == 1 and page.headers["X-Total-Count"] == str(total)
