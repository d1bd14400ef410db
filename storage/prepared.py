"""Statements built once, for the queries every turn runs.

Building a SQLAlchemy statement and computing its cache key costs more than executing the
compiled form found under that key: a statement built afresh for every execution spends most
of its time before it reaches the database. A statement object built once, with bound
parameters for whatever varies, keeps its cache key (SQLAlchemy memoises it on the object),
so each execution goes straight to the compiled form. The values go in the execution's
parameters, never into the statement: nothing about quoting or typing changes.

`PerDialect`: an upsert (ON CONFLICT) is spelled by each dialect's own `insert`, so it is
built once for each database this project runs on (the statement itself, or the
storage.driver_writes.DriverWrite that executes it).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

S = TypeVar("S")


class PerDialect(Generic[S]):
    def __init__(self, build: Callable[[ModuleType], S]) -> None:
        self._built = {"postgresql": build(postgresql), "sqlite": build(sqlite)}

    def of(self, connection: AsyncConnection) -> S:
        return self._built[connection.dialect.name]
