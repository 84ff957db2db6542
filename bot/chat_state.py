"""What a conversation remembers between two updates, stored as JSON rows (`chat_state`).

Rows are keyed by kind ("user", "chat", "conversation"), a name (the conversation's, else "")
and a key (a user or chat id, or a conversation key as JSON). The data is plain JSON: what is
kept in a chat's memory (`context.user_data`...) must be plain data, so a restart reads back
exactly what was written. `handlers.persistence` plugs this storage into python-telegram-bot.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db import reading, rowcount, unit_of_work
from bot.models import ChatState

logger = logging.getLogger(__name__)

USER = "user"
CHAT = "chat"
CONVERSATION = "conversation"


def encode(data: Any) -> str:
    """Compact JSON; a TypeError names what is not plain data."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def load(engine: Engine, *, kind: str, name: str = "") -> dict[str, Any]:
    """Every stored row of a kind (and conversation name), decoded: {key: data}."""
    with reading(engine) as session:
        rows = session.execute(
            select(col(ChatState.key), col(ChatState.data)).where(
                col(ChatState.kind) == kind, col(ChatState.name) == name
            )
        )
        return {key: json.loads(data) for key, data in rows}


def touched(engine: Engine, *, kind: str, name: str = "") -> dict[str, datetime]:
    """When each stored row of a kind (and conversation name) was last written: {key: time}."""
    with reading(engine) as session:
        rows = session.execute(
            select(col(ChatState.key), col(ChatState.updated_at)).where(
                col(ChatState.kind) == kind, col(ChatState.name) == name
            )
        )
        return {key: written for key, written in rows}


def expire(engine: Engine, *, kind: str, before: datetime) -> int:
    """Forget the rows of a kind last written before `before`; returns how many."""
    with unit_of_work(engine) as session:
        return rowcount(
            session.execute(
                delete(ChatState).where(
                    col(ChatState.kind) == kind, col(ChatState.updated_at) < before
                )
            )
        )


def save(engine: Engine, *, kind: str, key: str, data: str, now: datetime, name: str = "") -> None:
    """Insert or replace one row (one guarded statement: two writers never collide)."""
    values = {"kind": kind, "name": name, "key": key, "data": data, "updated_at": now}
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ChatState).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "name", "key"],
        set_={"data": statement.excluded.data, "updated_at": statement.excluded.updated_at},
    )
    with unit_of_work(engine) as session:
        session.execute(statement)


def drop(engine: Engine, *, kind: str, key: str, name: str = "") -> None:
    """Forget one row (no error if there is none)."""
    with unit_of_work(engine) as session:
        session.execute(
            delete(ChatState).where(
                col(ChatState.kind) == kind, col(ChatState.name) == name, col(ChatState.key) == key
            )
        )


def forget_user(session: Session, *, user_id: int) -> None:
    """Everything remembered for a person, in the caller's transaction: their data, their
    private chat's, and the conversations they take part in (keys are JSON lists of ids)."""
    ident = str(user_id)
    session.execute(
        delete(ChatState).where(
            or_(
                col(ChatState.kind).in_((USER, CHAT)) & (col(ChatState.key) == ident),
                (col(ChatState.kind) == CONVERSATION)
                & or_(
                    col(ChatState.key) == f"[{ident}]",
                    col(ChatState.key).like(f"[{ident},%"),
                    col(ChatState.key).like(f"%,{ident}]"),
                ),
            )
        )
    )
