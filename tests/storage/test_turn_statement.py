"""A PostgreSQL turn that changes a report writes its event, the report, its contributions and
its audit entries in one statement (storage/turn_statement.py): one round trip between BEGIN
and COMMIT, and the same checks, the same errors and the same all-or-nothing as the separate
statements it replaces: a replay writes nothing and says DuplicateEvent, a stale version
writes nothing and says VersionConflict, two turns at once both land, one after the other."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from conversations.state import ReportState
from storage.repository import DuplicateEvent, ReportStore, VersionConflict
from storage.rows import audit_events, processed_events
from storage.turn_statement import MAX_ROWS
from tests.storage.states import (
    contribution,
    create,
    entry,
    executed_through_sqlalchemy,
    rich_state,
    sent_to_asyncpg,
)
from tests.storage.states import save as save_turn

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


async def audit_actions(store: ReportStore) -> list[str]:
    async with store.database.reading() as connection:
        rows = await connection.execute(select(audit_events.c.action).order_by(audit_events.c.id))
        return [row.action for row in rows]


async def processed(store: ReportStore) -> set[str]:
    async with store.database.reading() as connection:
        rows = await connection.execute(select(processed_events.c.event_id))
        return {row.event_id for row in rows}


async def from_rows(store: ReportStore, report_id: str) -> ReportState | None:
    """The report as its rows say (a store of its own: nothing from the cache)."""
    return await ReportStore(store.database).load(report_id)


def answered(state: ReportState, n: int, title: str | None = None) -> ReportState:
    return state.model_copy(
        update={
            "contributions": (*state.contributions, contribution(n)),
            **({"title": title} if title is not None else {}),
        }
    )


async def test_a_changed_report_is_written_in_one_round_trip(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = await create(store, rich_state())
    through_sqlalchemy = executed_through_sqlalchemy(monkeypatch)
    sent = sent_to_asyncpg(monkeypatch)
    after = await save_turn(
        store, saved, answered(saved, 9, "Renamed"), "E1", audit=[entry("answer_recorded")]
    )
    assert [s.split(" ")[0] for s in sent] == ["BEGIN", "WITH", "COMMIT"], sent
    assert not through_sqlalchemy
    assert after is not None
    assert after.version == saved.version + 1
    loaded = await from_rows(store, saved.id)
    assert loaded == after
    assert [c.id for c in loaded.contributions][-1] == "c9"
    assert loaded.title == "Renamed"
    assert (await audit_actions(store))[-1] == "answer_recorded"
    assert "E1" in await processed(store)


async def test_edits_and_retractions_go_in_the_same_statement(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = await create(store, rich_state())
    first, second = saved.contributions[0], saved.contributions[1]
    edited = saved.model_copy(
        update={
            "contributions": (
                first.model_copy(update={"value": "edited", "raw": "edited"}),
                second.model_copy(update={"retracted_at": saved.updated_at, "note": "wrong"}),
                *saved.contributions[2:],
                contribution(9),
            )
        }
    )
    sent = sent_to_asyncpg(monkeypatch)
    after = await save_turn(store, saved, edited, "E1", audit=[entry("answer_edited")])
    assert len(sent) == 3, sent
    assert await from_rows(store, saved.id) == after


async def test_a_replayed_event_writes_nothing_and_says_so(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    after = await save_turn(store, saved, answered(saved, 9), "E1", audit=[entry("first")])
    assert after is not None
    with pytest.raises(DuplicateEvent):
        await save_turn(store, after, answered(after, 10, "Never"), "E1", audit=[entry("replay")])
    # The very turn again (a retried delivery computed from the same state): a duplicate
    # first, not a stale version, and its contribution's id, already taken, is not even tried.
    with pytest.raises(DuplicateEvent):
        await save_turn(store, saved, answered(saved, 9), "E1", audit=[entry("replay")])
    loaded = await from_rows(store, saved.id)
    assert loaded is not None
    assert loaded.version == after.version
    assert "c10" not in [c.id for c in loaded.contributions]
    assert loaded.title != "Never"
    assert "replay" not in await audit_actions(store)


async def test_a_stale_version_writes_nothing_and_says_so(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    after = await save_turn(store, saved, answered(saved, 9), "E1")
    assert after is not None
    with pytest.raises(VersionConflict):
        # Computed from the version before E1's: its event must not stay marked processed.
        await save_turn(store, saved, answered(saved, 10), "E2", audit=[entry("stale")])
    loaded = await from_rows(store, saved.id)
    assert loaded is not None
    assert loaded.version == after.version
    assert [c.id for c in loaded.contributions].count("c10") == 0
    assert "E2" not in await processed(store)
    assert "stale" not in await audit_actions(store)


async def test_two_turns_at_once_on_one_report_both_land(store: ReportStore) -> None:
    saved = await create(store, rich_state())

    async def turn(n: int) -> None:
        for _ in range(10):
            current = await store.load(saved.id)
            assert current is not None
            try:
                await save_turn(store, current, answered(current, n), f"E{n}")
                return
            except VersionConflict:
                await asyncio.sleep(0.01)
        raise AssertionError(f"turn {n} never landed")

    await asyncio.gather(*(turn(n) for n in range(20, 26)))
    loaded = await from_rows(store, saved.id)
    assert loaded is not None
    assert loaded.version == saved.version + 6
    assert sorted(
        c.id for c in loaded.contributions if c.id in {f"c{n}" for n in range(20, 26)}
    ) == [f"c{n}" for n in range(20, 26)]


async def test_a_turn_with_more_rows_than_one_statement_takes_writes_them_one_by_one(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = await create(store, rich_state())
    many = saved.model_copy(
        update={
            "contributions": (
                *saved.contributions,
                *(contribution(100 + n) for n in range(MAX_ROWS + 1)),
            )
        }
    )
    sent = sent_to_asyncpg(monkeypatch)
    after = await save_turn(store, saved, many, "E1")
    assert not [s for s in sent if s.startswith("WITH")], sent
    assert len(sent) > 3
    assert await from_rows(store, saved.id) == after
