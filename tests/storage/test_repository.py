"""The report store's reads on SQLite and PostgreSQL: round trips, lookups, listings, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from conversations.effects import SubmitRequested
from conversations.state import ReportState, ReportStatus
from storage.repository import ReportStore
from tests.storage.states import (
    ALICE,
    BOB,
    CAROL,
    T0,
    contribution,
    create,
    entry,
    recorded_statements,
    rich_state,
    save,
)


async def test_round_trip_is_exact(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    # Storage gives a new report the next number in its channel: the first is 1.
    assert saved == rich_state().model_copy(update={"version": 1, "number": 1})
    assert await store.load("r-1") == saved


async def test_unknown_reports_load_as_none(store: ReportStore) -> None:
    assert await store.load("nope") is None
    async with store.transaction() as transaction:
        assert await transaction.load_for_update("nope") is None


async def test_every_datetime_comes_back_aware_utc(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    request = SubmitRequested(
        report_id="r-1",
        report_version=2,
        requested_by=BOB,
        confirmed_by=(ALICE,),
        at=rich_state().updated_at,
    )
    await save(store, saved, saved, "E1", submissions=[request])
    loaded = await store.load("r-1")
    assert loaded is not None
    (summary,) = await store.list_reports()
    (trail_entry,) = await store.audit_trail("r-1")
    (submission,) = await store.submissions()
    moments = [
        loaded.created_at,
        loaded.updated_at,
        *(c.at for c in loaded.contributions),
        *(c.edited_at for c in loaded.contributions if c.edited_at),
        *(c.retracted_at for c in loaded.contributions if c.retracted_at),
        *(a.at for a in loaded.assignments),
        summary.created_at,
        summary.updated_at,
        trail_entry.at,
        submission.requested_at,
    ]
    assert len(moments) == 14
    assert all(m.utcoffset() == timedelta(0) for m in moments)
    assert loaded.updated_at == T0 + timedelta(hours=1)


async def test_a_large_report_loads_in_three_queries(store: ReportStore) -> None:
    many = tuple(contribution(n, raw=f"answer {n}") for n in range(2_000))
    await create(store, rich_state().model_copy(update={"contributions": many}))
    with recorded_statements(store.database) as statements:
        loaded = await store.load("r-1")
    assert loaded is not None
    assert loaded.contributions == many
    assert [s.split()[0] for s in statements if not s.startswith(("BEGIN", "ROLLBACK"))] == [
        "SELECT"
    ] * 3


async def test_find_by_thread(store: ReportStore) -> None:
    await create(store, rich_state())
    assert await store.find_by_thread("slack", "C1", "1700000000.000100") == "r-1"
    assert await store.find_by_thread("slack", "C2", "1700000000.000100") is None
    assert await store.find_by_thread("teams", "C1", "1700000000.000100") is None
    assert await store.find_by_thread("slack", "C1", "1700000000.000999") is None


async def _three_reports(store: ReportStore) -> None:
    statuses = [ReportStatus.SUBMIT_REQUESTED, ReportStatus.OPEN, ReportStatus.CANCELLED]
    for day, status in enumerate(statuses):
        state = rich_state(f"r-{day + 1}").model_copy(
            update={
                "thread": f"T{day}",
                "status": status,
                "created_at": T0 + timedelta(days=day),
                "contributions": rich_state().contributions[: 3 - day],
            }
        )
        if day:
            # Contribution ids are global; each report needs its own.
            state = state.model_copy(
                update={
                    "contributions": tuple(
                        c.model_copy(update={"id": f"{state.id}-{c.id}"})
                        for c in state.contributions
                    )
                }
            )
        await create(store, state, event_id=f"E-{day}")


async def test_latest_open_in_channel_skips_closed_reports(store: ReportStore) -> None:
    await _three_reports(store)
    # r-3 is newest but cancelled; r-2 (open) is newer than r-1 (submit requested).
    assert await store.latest_open_in_channel("slack", "C1") == "r-2"
    assert await store.latest_open_in_channel("slack", "C2") is None
    assert await store.latest_open_in_channel("teams", "C1") is None


async def test_latest_open_in_channel_still_finds_a_submitted_report(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    await save(store, saved, saved.model_copy(update={"status": ReportStatus.SENT}), "E-sent")
    assert await store.latest_open_in_channel("slack", "C1") == "r-1"


async def test_list_reports_is_newest_first_and_counts_active_contributions(
    store: ReportStore,
) -> None:
    assert await store.list_reports() == []
    await _three_reports(store)
    listed = await store.list_reports()
    assert [(r.id, r.status, r.contribution_count) for r in listed] == [
        ("r-3", "cancelled", 1),
        ("r-2", "open", 2),
        # Three contributions, one of them retracted.
        ("r-1", "submit_requested", 2),
    ]
    assert {(r.lead_name, r.platform, r.channel, r.title) for r in listed} == {
        ("Alice", "slack", "C1", rich_state().title)
    }


async def test_audit_trail_is_oldest_first_and_per_report(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    other_state = rich_state("r-2").model_copy(update={"thread": "T2", "contributions": ()})
    other = await create(store, other_state, "E-other")
    await save(store, saved, saved, "E1", audit=[entry("answer_recorded", 1), entry("edited", 2)])
    await save(store, other, other, "E2", audit=[entry("other_report", 3)])
    await save(store, None, None, "E3", audit=[])
    trail = await store.audit_trail("r-1")
    assert trail == [entry("report_created"), entry("answer_recorded", 1), entry("edited", 2)]
    assert [e.action for e in await store.audit_trail("r-2")] == ["report_created", "other_report"]
    assert await store.audit_trail("nope") == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'forged'",
        "DELETE FROM audit_events",
    ],
)
async def test_the_database_refuses_to_rewrite_the_audit_trail(
    store: ReportStore, statement: str
) -> None:
    await create(store, rich_state())
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.database.engine.begin() as connection:
            await connection.execute(text(statement))
    assert await store.audit_trail("r-1") == [entry("report_created")]


async def test_submission_rows_freeze_the_report_version(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    request = SubmitRequested(
        report_id="r-1", report_version=2, requested_by=BOB, confirmed_by=(ALICE, CAROL), at=T0
    )
    result = await save(store, saved, saved, "E1", submissions=[request])
    assert result is not None
    (submission,) = await store.submissions("r-1")
    assert submission.model_dump(exclude={"snapshot"}) == {
        "id": "r-1:2",
        "report_id": "r-1",
        "report_version": 2,
        "status": "pending",
        "requested_by": BOB.model_dump(),
        "confirmed_by": (ALICE.model_dump(), CAROL.model_dump()),
        "requested_at": T0,
        "message_id": None,
        "message": None,
        "attempts": 0,
        "last_error": None,
        "next_attempt_at": None,
        "sent_at": None,
    }
    assert ReportState.model_validate(submission.snapshot) == result
    assert await store.submissions() == [submission]
    assert await store.submissions("r-2") == []


async def test_a_save_names_an_indexed_column_only_when_it_changes(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    answered = saved.model_copy(update={"contributions": (*saved.contributions, contribution(99))})
    with recorded_statements(store.database) as statements:
        after = await save(store, saved, answered, "E1")
    (update,) = [s for s in statements if s.startswith("UPDATE reports")]
    assignments = update.partition(" SET ")[2].partition(" WHERE ")[0]
    named = {part.split("=")[0].strip() for part in assignments.split(",")}
    # Not the thread, channel, status or number (each in an index): unchanged.
    assert named.isdisjoint({"platform", "channel", "thread", "status", "number"})
    assert {"version", "updated_at", "navigation"} <= named
    assert after is not None
    cancelled = after.model_copy(update={"status": ReportStatus.CANCELLED, "thread": "T-2"})
    await save(store, after, cancelled, "E2")
    fresh = ReportStore(store.database)
    loaded = await fresh.load(saved.id)
    assert loaded is not None
    assert (loaded.status, loaded.thread) == (ReportStatus.CANCELLED, "T-2")
    assert await fresh.find_by_thread(saved.platform, saved.channel, "T-2") == saved.id
