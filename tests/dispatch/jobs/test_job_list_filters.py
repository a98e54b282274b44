"""The job list filtered the way the console's board reads it: several statuses at once, or open/closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dispatch.jobs.test_intake_api import JOBS, body

Auth = Callable[[str], dict[str, str]]
PHONE = "13966602"  # every job here carries this phone prefix, so `q` keeps other tests' jobs out


@pytest.fixture
def three_jobs(client: TestClient, auth: Auth) -> dict[str, str]:
    """References of a created job, an offered one and a cancelled one."""
    references: dict[str, str] = {}
    for n, name in enumerate(["created", "offered", "cancelled"]):
        plate = f"浙B6660{n}"
        created = client.post(
            JOBS,
            json=body(caller_phone=f"{PHONE}{n:03d}", vehicle={"plate": plate, "powertrain": "ice"}),
            headers=auth("agent"),
        )
        assert created.status_code == 201, created.text
        job: dict[str, Any] = created.json()["job"]
        references[name] = job["reference"]
        if name == "offered":
            offered = client.post(f"{JOBS}/{job['id']}/dispatch", headers=auth("agent"))
            assert offered.json()["job"]["status"] == "offered", offered.text
        if name == "cancelled":
            cancelled = client.post(
                f"{JOBS}/{job['id']}/cancel", json={"reason": "自行解决"}, headers=auth("agent")
            )
            assert cancelled.status_code == 200, cancelled.text
    return references


def _listed(client: TestClient, auth: Auth, **params: Any) -> tuple[set[str], str]:
    response = client.get(JOBS, params={"q": PHONE, **params}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    return {j["reference"] for j in response.json()}, response.headers["X-Total-Count"]


def test_several_statuses_in_one_request(client: TestClient, auth: Auth, three_jobs: dict[str, str]) -> None:
    both = _listed(client, auth, status=["created", "offered"])
    assert both == ({three_jobs["created"], three_jobs["offered"]}, "2")
    assert _listed(client, auth, status="cancelled") == ({three_jobs["cancelled"]}, "1")


def test_open_true_keeps_open_jobs_and_false_the_closed(
    client: TestClient, auth: Auth, three_jobs: dict[str, str]
) -> None:
    assert _listed(client, auth, open="true") == ({three_jobs["created"], three_jobs["offered"]}, "2")
    assert _listed(client, auth, open="false") == ({three_jobs["cancelled"]}, "1")
    assert _listed(client, auth, open="true", status="offered") == ({three_jobs["offered"]}, "1")
    assert _listed(client, auth)[1] == "3"


@pytest.mark.parametrize(("name", "value"), [("status", "parked"), ("open", "maybe")])
def test_an_unknown_status_or_open_value_is_422(
    client: TestClient, auth: Auth, name: str, value: str
) -> None:
    response = client.get(JOBS, params={name: value}, headers=auth("agent"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] in {name, f"{name}.0"}  # a status names its position
