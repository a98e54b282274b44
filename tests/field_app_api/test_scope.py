"""A technician sees and changes only their own van's jobs and offers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from dispatch.jobs.models import JobStatus, RescueJob
from tests.field_app_api.conftest import png_file

Auth = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("post", "/status", {"status": "on_site"}),
        ("post", "/notes", {"text": "x"}),
        ("post", "/parts", {"parts": [{"part_number": "P-1", "quantity": 1}]}),
        ("post", "/labour", {"minutes": 5}),
        ("post", "/complete", {"fault_found": "a", "work_done": "b", "repaired_on_site": True}),
    ],
)
def test_another_vans_job_is_403(
    client: TestClient,
    auth: Auth,
    make_job: Callable[..., RescueJob],
    method: str,
    suffix: str,
    payload: dict[str, object] | None,
) -> None:
    job = make_job(JobStatus.EN_ROUTE, username="tech002")
    response = client.request(
        method, f"/api/field/jobs/{job.id}{suffix}", json=payload, headers=auth("tech001")
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_another_vans_job_upload_is_403_and_stores_nothing(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob], upload_dir
) -> None:  # type: ignore[no-untyped-def]
    job = make_job(JobStatus.ON_SITE, username="tech002")
    response = client.post(f"/api/field/jobs/{job.id}/photos", files=png_file(), headers=auth("tech001"))
    assert response.status_code == 403
    assert not (upload_dir / str(job.id)).exists()


def test_unknown_job_is_404(client: TestClient, auth: Auth) -> None:
    response = client.get(f"/api/field/jobs/{uuid.uuid4()}", headers=auth("tech001"))
    assert response.status_code == 404


def test_job_list_shows_only_my_vans_jobs(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]
) -> None:
    mine = make_job(JobStatus.EN_ROUTE)
    make_job(JobStatus.EN_ROUTE, username="tech002")
    make_job(JobStatus.CREATED, username=None)
    body = client.get("/api/field/jobs", headers=auth("tech001")).json()
    assert [j["id"] for j in body["active"]] == [str(mine.id)]
    assert body["active"][0]["caller_phone"] == "13800000000"
    assert body["active"][0]["allowed_next"] == ["failed", "on_site"]


@pytest.mark.parametrize("username", ["agent", "planner", "admin"])
def test_staff_tokens_cannot_use_the_tablet_api(client: TestClient, auth: Auth, username: str) -> None:
    assert client.get("/api/field/me", headers=auth(username)).status_code == 403
    assert client.post("/api/field/pings", json=[], headers=auth(username)).status_code in (403, 422)


def test_no_token_is_401(client: TestClient) -> None:
    assert client.get("/api/field/jobs").status_code == 401


def test_me_shows_technician_and_van(client: TestClient, auth: Auth, crew_van) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/field/me", headers=auth("tech001")).json()
    assert body["username"] == "tech001"
    assert body["van"]["id"] == crew_van("tech001").id
