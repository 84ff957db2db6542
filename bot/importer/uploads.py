"""The file behind a pending import preview, kept in the database (`import_upload`) under the
preview buttons' token, so that [Importer] works after a restart and no file sits in memory.

One pending file per admin: a newer one replaces it. A file is dropped when the preview is
answered, and any file older than `UPLOAD_TTL` (a preview nobody answered) is forgotten.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.db import reading, unit_of_work
from bot.models import ImportUpload

logger = logging.getLogger(__name__)

UPLOAD_TTL = timedelta(days=1)


def keep(
    engine: Engine, *, token: str, user_id: int, file_name: str, data: bytes, now: datetime
) -> None:
    """Store a previewed file; the admin's older one, and abandoned ones, go."""
    with unit_of_work(engine) as session:
        session.execute(
            delete(ImportUpload).where(
                or_(
                    col(ImportUpload.user_id) == user_id,
                    col(ImportUpload.created_at) < now - UPLOAD_TTL,
                )
            )
        )
        session.add(
            ImportUpload(
                token=token, user_id=user_id, file_name=file_name[:300], data=data, created_at=now
            )
        )


def fetch(engine: Engine, *, token: str, user_id: int, now: datetime) -> tuple[str, bytes] | None:
    """(file name, bytes) of this admin's pending preview, or None: answered, replaced by a
    newer file, or older than UPLOAD_TTL."""
    with reading(engine) as session:
        row = session.execute(
            select(col(ImportUpload.file_name), col(ImportUpload.data)).where(
                col(ImportUpload.token) == token,
                col(ImportUpload.user_id) == user_id,
                col(ImportUpload.created_at) >= now - UPLOAD_TTL,
            )
        ).first()
    return None if row is None else (row[0], bytes(row[1]))


def drop(engine: Engine, *, token: str) -> None:
    """The preview was answered: forget its file."""
    with unit_of_work(engine) as session:
        session.execute(delete(ImportUpload).where(col(ImportUpload.token) == token))
