"""Helpers shared by the repositories."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.app.ports import DuplicateError
from bot.domain.models import Identity

__all__ = ["insert_unique", "jsonable"]


async def insert_unique(session: AsyncSession, row: SQLModel, duplicate: str) -> None:
    """Insert `row` in a savepoint; a unique-key race becomes DuplicateError, transaction intact."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise DuplicateError(duplicate) from exc


def jsonable(value: Any) -> Any:
    """A value as it appears in an audit event's before/after JSON."""
    if value is None or isinstance(value, bool | int | float | str) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Identity):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)
