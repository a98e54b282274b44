"""Photos and signature images: streamed to disk with a size limit, typed by their bytes, all or nothing.

An upload is first copied in chunks into ``<upload_dir>/.incoming/`` while its size is counted (413 as
soon as it passes ``max_upload_bytes``) and its type is read from the magic bytes (JPEG, PNG or WebP; 415
otherwise, whatever the client claims). Only then is it moved into ``<upload_dir>/<job id>/<id>.<ext>`` and
its `JobAttachment` row added. The staged file is always removed; a stored file is removed again if the
transaction rolls back, so a failure leaves nothing on disk and nothing in the database.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from dispatch.errors import PayloadTooLarge, UnsupportedMediaType
from dispatch.events.service import record_event
from dispatch.jobs.models import AttachmentKind, JobAttachment, RescueJob
from field_app_api.crew import Crew

CHUNK_BYTES = 64 * 1024
INCOMING_DIR = ".incoming"
_STORED_KEY = "field_stored_files"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def sniff_image_type(head: bytes) -> str | None:
    """The image type from the first bytes of a file, or None if it is not a JPEG, PNG or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class StagedFile:
    path: Path
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str


@contextmanager
def staged_upload(
    source: BinaryIO, *, file_name: str | None, upload_dir: Path, max_bytes: int
) -> Iterator[StagedFile]:
    """Copy `source` into a temporary file under `upload_dir`, checking size and type; always cleaned up."""
    incoming = upload_dir / INCOMING_DIR
    incoming.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=incoming, suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            size, digest, content_type = _copy_checked(source, target, max_bytes)
        yield StagedFile(path, _clean_name(file_name), content_type, size, digest)
    finally:
        path.unlink(missing_ok=True)


def _copy_checked(source: BinaryIO, target: BinaryIO, max_bytes: int) -> tuple[int, str, str]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    content_type: str | None = None
    while chunk := source.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(
                f"文件超过 {max_bytes} 字节上限 / File exceeds the {max_bytes}-byte limit",
                field="file",
                details={"max_bytes": max_bytes},
            )
        if content_type is None:
            head += chunk[:16]
            content_type = sniff_image_type(head) if len(head) >= 12 else None
            if content_type is None and len(head) >= 12:
                raise _not_an_image()
        digest.update(chunk)
        target.write(chunk)
    content_type = content_type or sniff_image_type(head)
    if content_type is None:
        raise _not_an_image()
    return size, digest.hexdigest(), content_type


def _not_an_image() -> UnsupportedMediaType:
    return UnsupportedMediaType(
        "只接受 JPEG、PNG 或 WebP 图片 / Only JPEG, PNG or WebP images are accepted",
        field="file",
        details={"allowed": sorted(_EXTENSIONS)},
    )


def _clean_name(file_name: str | None) -> str:
    """The client's file name without any directory part, for display only (never used as a path)."""
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:255] or "upload"


def store_attachment(
    *,
    session: Session,
    crew: Crew,
    job: RescueJob,
    staged: StagedFile,
    kind: AttachmentKind,
    upload_dir: Path,
    now: datetime,
    caption: str | None = None,
) -> JobAttachment:
    """Move a staged file into place and record it; the file goes again if the transaction rolls back."""
    attachment_id = uuid.uuid4()
    relative = Path(str(job.id)) / f"{attachment_id}{_EXTENSIONS[staged.content_type]}"
    final = upload_dir / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged.path, final)
    session.info.setdefault(_STORED_KEY, []).append(final)
    row = JobAttachment(
        id=attachment_id,
        job_id=job.id,
        kind=kind,
        file_name=staged.file_name,
        content_type=staged.content_type,
        size_bytes=staged.size_bytes,
        sha256=staged.sha256,
        storage_path=relative.as_posix(),
        uploaded_by=crew.actor,
        uploaded_at=now,
        meta={"caption": caption} if caption else {},
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        kind=f"job.{kind.value}",
        actor=crew.actor,
        at=now,
        job_id=job.id,
        van_id=crew.van_id,
        city_adcode=job.city_adcode,
        data={"attachment_id": str(attachment_id), "size_bytes": staged.size_bytes, "sha256": staged.sha256},
    )
    return row


@sa_event.listens_for(OrmSession, "after_commit")
def _keep_stored_files(session: OrmSession) -> None:
    session.info.pop(_STORED_KEY, None)


@sa_event.listens_for(OrmSession, "after_rollback")
def _remove_stored_files(session: OrmSession) -> None:
    for path in session.info.pop(_STORED_KEY, []):
        Path(path).unlink(missing_ok=True)
