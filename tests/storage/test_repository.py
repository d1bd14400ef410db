"""The report store on SQLite and PostgreSQL: round trips, versions, idempotency, audit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import (
    Actor,
    Assignment,
    Contribution,
    ReportState,
    ReportStatus,
    Resolution,
    SendRequest,
)
from storage.repository import DuplicateEvent, ReportStore, VersionConflict

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
ALICE = Actor(id="U1", name="Alice")
BOB = Actor(id="U2", name="Bób 🛡️")


def rich_state() -> ReportState:
    return ReportState(
        id="r-1",
        platform="slack",
        channel="C1",
        thread="1700000000.000100",
        title="Prompt injection — “support” copilot",
        lead=ALICE,
        status=ReportStatus.SUBMIT_REQUESTED,
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
        checklist_version="2026.11.0",
        cursor="description.confidence",
        guiding=False,
        asked=("handling.tlp", "handling.org"),
        skipped=("handling.org",),
        contributions=(
            Contribution(
                id="c1",
                item_id="handling.tlp",
                author=ALICE,
                at=T0,
                via="guided",
                source_message_id="m1",
                raw="amber",
                value="TLP:AMBER",
            ),
            Contribution(
                id="c2",
                item_id="detection.iocs",
                author=BOB,
                at=T0 + timedelta(minutes=1),
                via="direct",
                source_message_id="m2",
                raw="2.1: 1.2.3[.]4\n" + "x" * 5000,
                value=[{"type": "ipv4", "value": "1.2.3.4"}],
                edited_at=T0 + timedelta(minutes=2),
            ),
            Contribution(
                id="c3",
                item_id="detection.users",
                author=BOB,
                at=T0 + timedelta(minutes=3),
                via="form",
                source_message_id=None,
                raw="about 1,200",
                value={"low": 1200, "high": 1200, "approximate": True},
                retracted_at=T0 + timedelta(minutes=4),
                retracted_reason="deleted",
            ),
        ),
        assignments=(Assignment(section_id="detection", assignee=BOB, by=ALICE, at=T0),),
        resolutions=(
            Resolution(
                item_id="description.confidence",
                value="confirmed",
                by=ALICE,
                at=T0 + timedelta(minutes=5),
            ),
        ),
        send_request=SendRequest(requested_by=BOB, requested_at=T0, confirmed_by=(ALICE,)),
    )


def entry(action: str, minute: int = 0) -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(minutes=minute),
        actor=ALICE,
        action=action,
        item_id="handling.tlp",
        detail={"raw": "amber", "n": minute},
    )


async def create(store: ReportStore, state: ReportState, event_id: str = "E0") -> ReportState:
    async with store.turn() as turn:
        saved = await turn.save(
            None,
            state,
            platform="slack",
            event_id=event_id,
            audit=[entry("report_created")],
            submissions=[],
        )
    assert saved is not None
    return saved


async def test_round_trip_is_exact(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    assert saved.version == 1
    loaded = await store.load("r-1")
    assert loaded == saved
    assert loaded is not None
    assert all(c.at.tzinfo is not None for c in loaded.contributions)
    assert loaded.created_at.utcoffset() == timedelta(0)


async def test_update_increments_version_and_changes_only_what_changed(
    store: ReportStore,
) -> None:
    saved = await create(store, rich_state())
    edited = saved.contributions[0].model_copy(
        update={"raw": "red", "value": "TLP:RED", "edited_at": T0}
    )
    added = Contribution(
        id="c4",
        item_id="handling.org",
        author=BOB,
        at=T0,
        via="guided",
        source_message_id="m4",
        raw="Example",
        value="Example",
    )
    after = saved.model_copy(
        update={
            "contributions": (edited, *saved.contributions[1:], added),
            "assignments": (),
            "title": "New title",
        }
    )
    async with store.turn() as turn:
        result = await turn.save(
            saved, after, platform="slack", event_id="E1", audit=[], submissions=[]
        )
    assert result is not None
    assert result.version == 2
    assert await store.load("r-1") == result


async def test_stale_writer_gets_a_version_conflict_and_nothing_is_written(
    store: ReportStore,
) -> None:
    saved = await create(store, rich_state())
    async with store.turn() as turn:
        await turn.save(
            saved,
            saved.model_copy(update={"title": "first"}),
            platform="slack",
            event_id="E1",
            audit=[],
            submissions=[],
        )
    with pytest.raises(VersionConflict):
        async with store.turn() as turn:
            await turn.save(
                saved,
                saved.model_copy(update={"title": "second"}),
                platform="slack",
                event_id="E2",
                audit=[entry("lost")],
                submissions=[],
            )
    loaded = await store.load("r-1")
    assert loaded is not None
    assert loaded.title == "first"
    assert not await store.is_processed("slack", "E2")
    assert [e.action for e in await store.audit_trail("r-1")] == ["report_created"]


async def test_duplicate_event_rolls_back_the_whole_turn(store: ReportStore) -> None:
    saved = await create(store, rich_state(), event_id="E-same")
    with pytest.raises(DuplicateEvent):
        async with store.turn() as turn:
            await turn.save(
                saved,
                saved.model_copy(update={"title": "replayed"}),
                platform="slack",
                event_id="E-same",
                audit=[entry("replayed")],
                submissions=[],
            )
    loaded = await store.load("r-1")
    assert loaded == saved
    assert [e.action for e in await store.audit_trail("r-1")] == ["report_created"]


async def test_events_without_a_report_are_remembered(store: ReportStore) -> None:
    async with store.turn() as turn:
        assert not await turn.is_processed("teams", "A1")
        assert (
            await turn.save(None, None, platform="teams", event_id="A1", audit=[], submissions=[])
            is None
        )
    assert await store.is_processed("teams", "A1")
    assert not await store.is_processed("slack", "A1")


async def test_lookups_and_listing(store: ReportStore) -> None:
    first = await create(store, rich_state())
    second = rich_state().model_copy(
        update={
            "id": "r-2",
            "thread": "T2",
            "status": ReportStatus.OPEN,
            "created_at": T0 + timedelta(days=1),
            "contributions": (),
        }
    )
    await create(store, second, event_id="E-second")
    cancelled = rich_state().model_copy(
        update={
            "id": "r-3",
            "thread": "T3",
            "status": ReportStatus.CANCELLED,
            "created_at": T0 + timedelta(days=2),
            "contributions": (),
        }
    )
    await create(store, cancelled, event_id="E-third")

    assert await store.find_by_thread("slack", "C1", "1700000000.000100") == first.id
    assert await store.find_by_thread("slack", "C2", "1700000000.000100") is None
    assert await store.latest_open_in_channel("slack", "C1") == "r-2"
    assert await store.latest_open_in_channel("teams", "C1") is None
    listed = await store.list_reports()
    assert [r.id for r in listed] == ["r-3", "r-2", "r-1"]
    assert listed[2].contribution_count == 2  # the retracted one does not count
    assert listed[2].lead_name == "Alice"


async def test_audit_trail_is_ordered_and_append_only(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    async with store.turn() as turn:
        await turn.save(
            saved,
            saved,
            platform="slack",
            event_id="E1",
            audit=[entry("answer_recorded", 1), entry("answer_edited", 2)],
            submissions=[],
        )
    trail = await store.audit_trail("r-1")
    assert [e.action for e in trail] == ["report_created", "answer_recorded", "answer_edited"]
    assert trail[1] == entry("answer_recorded", 1)
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
            async with store.database.engine.begin() as connection:
                await connection.execute(text(statement))
    assert len(await store.audit_trail("r-1")) == 3


async def test_submission_rows_freeze_the_report(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    request = SubmitRequested(
        report_id="r-1", report_version=2, requested_by=BOB, confirmed_by=(ALICE,), at=T0
    )
    async with store.turn() as turn:
        result = await turn.save(
            saved, saved, platform="slack", event_id="E1", audit=[], submissions=[request]
        )
    (submission,) = await store.submissions("r-1")
    assert submission.id == "r-1:2"
    assert submission.status == "pending"
    assert submission.report_version == 2
    assert submission.confirmed_by == (ALICE,)
    assert submission.attempts == 0
    assert result is not None
    assert ReportState.model_validate(submission.snapshot) == result
    assert await store.submissions() == [submission]


async def test_concurrent_turns_on_one_report_lose_nothing(store: ReportStore) -> None:
    base = await create(store, rich_state().model_copy(update={"contributions": ()}))

    async def add(n: int) -> None:
        while True:
            try:
                async with store.turn() as turn:
                    current = await turn.load_for_update(base.id)
                    assert current is not None
                    new = Contribution(
                        id=f"n{n}",
                        item_id="handling.org",
                        author=BOB,
                        at=T0,
                        via="direct",
                        source_message_id=f"m{n}",
                        raw=str(n),
                        value=str(n),
                    )
                    await turn.save(
                        current,
                        current.model_copy(update={"contributions": (*current.contributions, new)}),
                        platform="slack",
                        event_id=f"N{n}",
                        audit=[],
                        submissions=[],
                    )
                return
            except VersionConflict:
                await asyncio.sleep(0.001)

    await asyncio.gather(*(add(n) for n in range(20)))
    loaded = await store.load(base.id)
    assert loaded is not None
    assert sorted(c.id for c in loaded.contributions) == sorted(f"n{n}" for n in range(20))
    assert loaded.version == 21
