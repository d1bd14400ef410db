"""Report states built by hand for the storage tests, and turns that save them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest
from pydantic import JsonValue
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import (
    Actor,
    Assignment,
    Contribution,
    DeliveryRecord,
    ReportState,
    ReportStatus,
    Resolution,
    SendRequest,
    SentEmail,
)
from storage.database import Database
from storage.repository import ReportStore

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
# The file of the SQLite-only tests' database (the `sqlite_db` fixture), under tmp_path.
SQLITE_FILE = "jcdc.db"
# Responders' clocks are not UTC; storage must hand every column back in UTC anyway.
NEW_DELHI = timezone(timedelta(hours=5, minutes=30))
ALICE = Actor(id="U1", name="Alice")
BOB = Actor(id="U2", name="Bób 🛡️")
# Teams user ids are long; PostgreSQL must take them, not only SQLite (which ignores lengths).
CAROL = Actor(id="29:" + "1a2B3c4D5e" * 9, name="Carol Ngô")


def contribution(
    n: int, *, author: Actor = BOB, value: JsonValue = "value", **changes: Any
) -> Contribution:
    fields: dict[str, Any] = {
        "id": f"c{n}",
        "item_id": "handling.org",
        "author": author,
        "at": T0 + timedelta(minutes=n),
        "via": "direct",
        "source_message_id": f"m{n}",
        "raw": str(value),
        "value": value,
    }
    return Contribution(**(fields | changes))


def rich_state(report_id: str = "r-1") -> ReportState:
    """A report using every field: edits, retractions, several assignments, resolutions, a
    confirmed send, unicode, JSON values of every shape and a long text."""
    return ReportState(
        id=report_id,
        platform="slack",
        channel="C1",
        thread="1700000000.000100",
        title="Prompt injection — “support” copilot 🧨",
        lead=ALICE,
        status=ReportStatus.SUBMIT_REQUESTED,
        created_at=T0,
        updated_at=(T0 + timedelta(hours=1)).astimezone(NEW_DELHI),
        checklist_version="2026.11.0",
        cursor="description.confidence",
        guiding=False,
        asked=("handling.tlp", "handling.org", "description.confidence"),
        skipped=("handling.org",),
        contributions=(
            contribution(1, author=ALICE, item_id="handling.tlp", raw="amber", value="TLP:AMBER"),
            contribution(
                2,
                item_id="detection.iocs",
                via="guided",
                raw="2.1: 1.2.3[.]4 — 看看 \u200b\n" + "x" * 20_000,
                value=[{"type": "ipv4", "value": "1.2.3.4"}, {"type": "note", "value": None}],
                edited_at=(T0 + timedelta(minutes=2)).astimezone(NEW_DELHI),
            ),
            contribution(
                3,
                item_id="detection.users",
                via="form",
                source_message_id=None,
                raw="about 1,200",
                value={"low": 1200, "high": 1200.5, "approximate": True, "notes": []},
                retracted_at=T0 + timedelta(minutes=4),
                retracted_reason="deleted",
            ),
            contribution(4, author=CAROL, item_id="impact.notes", value=None, raw="n/a"),
        ),
        assignments=(
            Assignment(section_id="impact", assignee=CAROL, by=ALICE, at=T0),
            Assignment(section_id="detection", assignee=BOB, by=ALICE, at=T0),
        ),
        resolutions=(
            Resolution(
                item_id="description.confidence",
                value="confirmed",
                by=ALICE,
                at=T0 + timedelta(minutes=5),
            ),
        ),
        send_request=SendRequest(requested_by=BOB, requested_at=T0, confirmed_by=(ALICE, CAROL)),
        delivery=DeliveryRecord(
            submitted="b" * 64,
            last_sent=SentEmail(
                fingerprint="a" * 64,
                at=(T0 + timedelta(minutes=30)).astimezone(NEW_DELHI),
                message_id="<r-1.1@jcdc-bot.example>",
            ),
        ),
    )


def entry(action: str, minute: int = 0) -> AuditEntry:
    return AuditEntry(
        at=(T0 + timedelta(minutes=minute)).astimezone(NEW_DELHI),
        actor=CAROL,
        action=action,
        item_id="handling.tlp",
        detail={"raw": "amber ✓", "n": minute, "nested": {"list": [1, None, "x"]}},
    )


async def save(
    store: ReportStore,
    before: ReportState | None,
    after: ReportState | None,
    event_id: str,
    *,
    audit: Sequence[AuditEntry] = (),
    submissions: Sequence[SubmitRequested] = (),
) -> ReportState | None:
    async with store.transaction() as transaction:
        return await transaction.save(
            before,
            after,
            platform="slack",
            event_id=event_id,
            audit=audit,
            submissions=submissions,
        )


async def create(store: ReportStore, state: ReportState, event_id: str = "E0") -> ReportState:
    saved = await save(store, None, state, event_id, audit=[entry("report_created")])
    assert saved is not None
    return saved


@contextmanager
def recorded_statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement sent to the database while the block runs, in order."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        # (connection, cursor, statement, parameters, context, executemany)
        statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


def executed_through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every statement executed through SQLAlchemy's AsyncConnection.execute (scalar and
    scalars go through it too) until the monkeypatch is undone: what did not go to the
    driver directly."""
    executed: list[object] = []
    original: Callable[..., Any] = AsyncConnection.execute

    async def recorded(self: AsyncConnection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(statement)
        return await original(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncConnection, "execute", recorded)
    return executed


def write_transactions_opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many `Database.writing()` blocks open until the monkeypatch is undone (one
    counter in a list). On PostgreSQL even an empty one costs a BEGIN and a COMMIT."""
    opened = [0]
    original = Database.writing

    def counted(self: Database, urgent: bool = False) -> Any:
        opened[0] += 1
        return original(self, urgent)

    monkeypatch.setattr(Database, "writing", counted)
    return opened


def sent_to_asyncpg(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every call made on asyncpg's connections (each one round trip)."""
    sent: list[str] = []
    for name in ("execute", "fetch", "fetchrow", "fetchval", "fetchmany", "executemany"):
        original: Callable[..., Any] = getattr(asyncpg.Connection, name)

        def recorded(
            self: asyncpg.Connection, query: str, *args: Any, _original: Any = original, **kw: Any
        ) -> Any:
            sent.append(" ".join(query.split()))
            return _original(self, query, *args, **kw)

        monkeypatch.setattr(asyncpg.Connection, name, recorded)
    return sent
