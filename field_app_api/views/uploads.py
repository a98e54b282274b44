"""Photos and the customer's signature (multipart uploads: JPEG, PNG or WebP, size-limited)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from dispatch.jobs.models import AttachmentKind
from field_app_api.context import ContextDep
from field_app_api.crew import crew_job
from field_app_api.schemas import AttachmentRead
from field_app_api.uploads import staged_upload, store_attachment
from field_app_api.writes import IdempotentWriteDep

router = APIRouter(prefix="/jobs")

_RESPONSES: dict[int | str, dict[str, str]] = {
    413: {"description": "内容过大 / File too large"},
    415: {"description": "不支持的文件类型 / Not a JPEG, PNG or WebP image"},
}


def _upload(
    kind: AttachmentKind,
    job_id: uuid.UUID,
    file: UploadFile,
    caption: str | None,
    ctx: ContextDep,
    write: IdempotentWriteDep,
) -> JSONResponse:
    job = crew_job(session=ctx.session, crew=ctx.crew, job_id=job_id)
    settings = ctx.settings
    with staged_upload(
        file.file,
        file_name=file.filename,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    ) as staged:
        fingerprint = {
            "kind": kind.value,
            "sha256": staged.sha256,
            "size": staged.size_bytes,
            "caption": caption,
        }
        return write.respond(
            fingerprint,
            lambda: AttachmentRead.model_validate(
                store_attachment(
                    session=ctx.session,
                    crew=ctx.crew,
                    job=job,
                    staged=staged,
                    kind=kind,
                    upload_dir=settings.upload_dir,
                    now=ctx.now,
                    caption=caption,
                )
            ),
            status_code=201,
        )


@router.post(
    "/{job_id}/photos",
    response_model=AttachmentRead,
    status_code=201,
    responses=_RESPONSES,
    summary="Upload a photo / 上传现场照片",
)
def upload_photo(
    job_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")],
    ctx: ContextDep,
    write: IdempotentWriteDep,
    caption: Annotated[str | None, Form(max_length=500)] = None,
) -> JSONResponse:
    return _upload(AttachmentKind.PHOTO, job_id, file, caption, ctx, write)


@router.post(
    "/{job_id}/signature",
    response_model=AttachmentRead,
    status_code=201,
    responses=_RESPONSES,
    summary="Upload the customer's signature / 上传客户签名",
)
def upload_signature(
    job_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="PNG, JPEG or WebP image of the signature")],
    ctx: ContextDep,
    write: IdempotentWriteDep,
) -> JSONResponse:
    return _upload(AttachmentKind.SIGNATURE, job_id, file, None, ctx, write)
