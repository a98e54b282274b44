"""Photo and signature uploads: typed by their bytes, size-limited, nothing half-saved."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.auth.models import User
from dispatch.clock import FrozenClock
from dispatch.jobs.models import AttachmentKind, JobAttachment, JobStatus, RescueJob
from dispatch.settings import Settings
from field_app_api.crew import load_crew
from field_app_api.uploads import INCOMING_DIR, sniff_image_type, staged_upload, store_attachment
from tests.field_app_api.conftest import PNG_1X1, new_key, png_file

Auth = Callable[[str], dict[str, str]]
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _attachments(db: Session, job: RescueJob) -> list[JobAttachment]:
    return list(db.exec(select(JobAttachment).where(JobAttachment.job_id == job.id)))


def test_photo_is_stored_on_disk_and_listed(
    client: TestClient, auth: Auth, db: Session, upload_dir: Path, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    response = client.post(
        f"/api/field/jobs/{job.id}/photos",
        files=png_file("../../etc/passwd.png"),
        data={"caption": "轮胎侧壁破损 / sidewall damage"},
        headers=auth("tech001"),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["content_type"], body["size_bytes"]) == ("photo", "image/png", len(PNG_1X1))
    assert body["file_name"] == "passwd.png"
    [row] = _attachments(db, job)
    stored = upload_dir / row.storage_path
    assert stored.read_bytes() == PNG_1X1
    assert stored.parent == upload_dir / str(job.id)
    detail = client.get(f"/api/field/jobs/{job.id}", headers=auth("tech001")).json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]


@pytest.mark.parametrize("head", [JPEG_HEAD, WEBP_HEAD])
def test_jpeg_and_webp_are_accepted(
    client: TestClient, auth: Auth, make_job: Callable[..., RescueJob], head: bytes
) -> None:
    job = make_job(JobStatus.ON_SITE)
    files = {"file": ("x.bin", io.BytesIO(head + b"\x00" * 100), "application/octet-stream")}
    response = client.post(f"/api/field/jobs/{job.id}/photos", files=files, headers=auth("tech001"))
    assert response.status_code == 201


def test_a_file_that_is_not_an_image_is_415_whatever_it_claims(
    client: TestClient, auth: Auth, db: Session, upload_dir: Path, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    files = {"file": ("photo.jpg", io.BytesIO(b"%PDF-1.7 not a photo at all" * 10), "image/jpeg")}
    response = client.post(f"/api/field/jobs/{job.id}/photos", files=files, headers=auth("tech001"))
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert _attachments(db, job) == []
    assert _files(upload_dir / str(job.id)) == []
    assert _files(upload_dir / INCOMING_DIR) == []


def test_too_large_is_413_and_nothing_is_kept(
    client: TestClient,
    auth: Auth,
    db: Session,
    settings: Settings,
    upload_dir: Path,
    make_job: Callable[..., RescueJob],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "max_upload_bytes", 200 * 1024)
    job = make_job(JobStatus.ON_SITE)
    big = PNG_1X1 + b"\x00" * (300 * 1024)
    response = client.post(
        f"/api/field/jobs/{job.id}/photos", files=png_file(payload=big), headers=auth("tech001")
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert _attachments(db, job) == []
    assert _files(upload_dir / str(job.id)) == []
    assert _files(upload_dir / INCOMING_DIR) == []
    just_fits = PNG_1X1 + b"\x00" * (200 * 1024 - len(PNG_1X1))
    ok = client.post(
        f"/api/field/jobs/{job.id}/photos", files=png_file(payload=just_fits), headers=auth("tech001")
    )
    assert ok.status_code == 201


def test_empty_file_is_415(client: TestClient, auth: Auth, make_job: Callable[..., RescueJob]) -> None:
    job = make_job(JobStatus.ON_SITE)
    response = client.post(
        f"/api/field/jobs/{job.id}/photos", files=png_file(payload=b""), headers=auth("tech001")
    )
    assert response.status_code == 415


def test_retried_upload_is_stored_once(
    client: TestClient, auth: Auth, db: Session, upload_dir: Path, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    headers = {**auth("tech001"), "Idempotency-Key": new_key()}
    first = client.post(f"/api/field/jobs/{job.id}/signature", files=png_file("sig.png"), headers=headers)
    again = client.post(f"/api/field/jobs/{job.id}/signature", files=png_file("sig.png"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert [a.kind for a in _attachments(db, job)] == [AttachmentKind.SIGNATURE]
    assert len(_files(upload_dir / str(job.id))) == 1
    other = PNG_1X1 + b"\x00"
    reused = client.post(
        f"/api/field/jobs/{job.id}/signature", files=png_file(payload=other), headers=headers
    )
    assert reused.status_code == 422
    assert len(_files(upload_dir / str(job.id))) == 1


def test_a_rolled_back_upload_leaves_no_file(
    db: Session, settings: Settings, clock: FrozenClock, upload_dir: Path, make_job: Callable[..., RescueJob]
) -> None:
    job = make_job(JobStatus.ON_SITE)
    user = db.exec(select(User).where(User.username == "tech001")).one()
    crew = load_crew(session=db, user=user)
    with staged_upload(
        io.BytesIO(PNG_1X1), file_name="a.png", upload_dir=upload_dir, max_bytes=10_000
    ) as staged:
        row = store_attachment(
            session=db,
            crew=crew,
            job=job,
            staged=staged,
            kind=AttachmentKind.PHOTO,
            upload_dir=upload_dir,
            now=clock.now(),
        )
    stored = upload_dir / row.storage_path
    assert stored.exists()
    db.rollback()
    assert not stored.exists()
    assert _attachments(db, job) == []


def test_sniffing() -> None:
    assert sniff_image_type(PNG_1X1) == "image/png"
    assert sniff_image_type(JPEG_HEAD) == "image/jpeg"
    assert sniff_image_type(WEBP_HEAD) == "image/webp"
    assert sniff_image_type(b"GIF89a......") is None
    assert sniff_image_type(b"<svg xmlns=") is None
