"""Saving a turn: versions, stale writers, replayed events, and writing only what changed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from conversations.effects import SubmitRequested
from conversations.state import Assignment, Contribution
from storage.repository import DuplicateEvent, ReportStore, VersionConflict
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


async def test_each_turn_increments_the_version(store: ReportStore) -> None:
    state = await create(store, rich_state())
    assert state.version == 1
    for n in range(2, 5):
        saved = await save(store, state, state.model_copy(update={"title": f"v{n}"}), f"E{n}")
        assert saved is not None
        assert saved.version == n
        state = saved
    assert await store.load("r-1") == state


async def test_edits_retractions_additions_and_assignments_round_trip(
    store: ReportStore,
) -> None:
    saved = await create(store, rich_state())
    first, second, third, fourth = saved.contributions
    after = saved.model_copy(
        update={
            "contributions": (
                first.model_copy(update={"raw": "red", "value": "TLP:RED", "edited_at": T0}),
                second.model_copy(
                    update={
                        "retracted_at": T0 + timedelta(hours=2),
                        "retracted_reason": "edited_away",
                    }
                ),
                third,
                fourth,
                contribution(5, author=CAROL, value={"freshly": ["added"]}),
            ),
            "assignments": (
                Assignment(section_id="description", assignee=ALICE, by=BOB, at=T0),
                saved.assignments[1],
            ),
            "send_request": None,
            "resolutions": (),
            "cursor": None,
            "guiding": True,
        }
    )
    result = await save(store, saved, after, "E1")
    assert result == after.model_copy(update={"version": 2})
    assert await store.load("r-1") == result


async def test_only_changed_contributions_are_written(store: ReportStore) -> None:
    many = tuple(contribution(n) for n in range(50))
    saved = await create(store, rich_state().model_copy(update={"contributions": many}))
    edited = many[7].model_copy(update={"raw": "edited", "value": "edited", "edited_at": T0})
    retracted = many[9].model_copy(update={"retracted_at": T0, "retracted_reason": "deleted"})
    after = saved.model_copy(
        update={"contributions": (*many[:7], edited, many[8], retracted, *many[10:])}
    )
    with recorded_statements(store.database) as statements:
        await save(store, saved, after, "E1")
    touching = [s for s in statements if "contributions" in s]
    # One executemany UPDATE for both changes; no INSERT or DELETE of contribution rows.
    assert len(touching) == 1
    assert touching[0].startswith("UPDATE contributions")
    assert not any("assignments" in s for s in statements)
    assert await store.load("r-1") == after.model_copy(update={"version": 2})


async def test_a_turn_that_only_adds_writes_one_insert_and_compares_nothing(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = tuple(contribution(n) for n in range(50))
    saved = await create(store, rich_state().model_copy(update={"contributions": many}))
    after = saved.model_copy(update={"contributions": (*saved.contributions, contribution(50))})

    def no_deep_comparison(self: object, other: object) -> bool:
        raise AssertionError("an unchanged contribution was compared by content")

    monkeypatch.setattr(Contribution, "__eq__", no_deep_comparison)
    with recorded_statements(store.database) as statements:
        await save(store, saved, after, "E1")
    monkeypatch.undo()
    touching = [s for s in statements if "contributions" in s]
    assert len(touching) == 1
    assert touching[0].startswith("INSERT INTO contributions")
    assert await store.load("r-1") == after.model_copy(update={"version": 2})


async def test_equal_copies_of_contributions_write_nothing(store: ReportStore) -> None:
    # A state read back from the database has new objects with the same content.
    saved = await create(store, rich_state())
    reloaded = await store.load("r-1")
    assert reloaded is not None
    assert reloaded.contributions[0] is not saved.contributions[0]
    with recorded_statements(store.database) as statements:
        await save(store, saved, reloaded.model_copy(update={"title": "retitled"}), "E1")
    assert not [s for s in statements if "contributions" in s]


async def test_a_stale_writer_gets_a_version_conflict_and_writes_nothing(
    store: ReportStore,
) -> None:
    saved = await create(store, rich_state())
    await save(store, saved, saved.model_copy(update={"title": "first"}), "E1")
    with pytest.raises(VersionConflict, match="no longer at version 1"):
        await save(
            store,
            saved,
            saved.model_copy(
                update={"title": "second", "contributions": (*saved.contributions, contribution(9))}
            ),
            "E2",
            audit=[entry("lost")],
        )
    loaded = await store.load("r-1")
    assert loaded is not None
    assert (loaded.title, loaded.version) == ("first", 2)
    assert loaded.contributions == saved.contributions
    assert not await store.is_processed("slack", "E2")
    assert await store.audit_trail("r-1") == [entry("report_created")]


async def test_a_replayed_event_rolls_back_the_whole_turn(store: ReportStore) -> None:
    saved = await create(store, rich_state(), event_id="E-same")
    request = SubmitRequested(
        report_id="r-1", report_version=2, requested_by=BOB, confirmed_by=(), at=T0
    )
    with pytest.raises(DuplicateEvent, match="slack:E-same"):
        await save(
            store,
            saved,
            saved.model_copy(
                update={
                    "title": "replayed",
                    "contributions": (*saved.contributions, contribution(9)),
                }
            ),
            "E-same",
            audit=[entry("replayed")],
            submissions=[request],
        )
    assert await store.load("r-1") == saved
    assert await store.audit_trail("r-1") == [entry("report_created")]
    assert await store.submissions() == []


async def test_a_replayed_creation_creates_nothing(store: ReportStore) -> None:
    await save(store, None, None, "E-once")
    with pytest.raises(DuplicateEvent):
        await create(store, rich_state(), event_id="E-once")
    assert await store.load("r-1") is None
    assert await store.list_reports() == []


async def test_the_same_event_on_another_platform_is_a_different_event(
    store: ReportStore,
) -> None:
    assert not await store.is_processed("teams", "A1")
    async with store.transaction() as transaction:
        saved = await transaction.save(
            None, None, platform="teams", event_id="A1", audit=[], submissions=[]
        )
        assert saved is None
    assert await store.is_processed("teams", "A1")
    assert not await store.is_processed("slack", "A1")
    await save(store, None, None, "A1")
    assert await store.is_processed("slack", "A1")


async def test_concurrent_deliveries_of_one_event_are_handled_once(store: ReportStore) -> None:
    saved = await create(store, rich_state())

    async def deliver() -> str:
        try:
            async with store.transaction() as transaction:
                current = await transaction.load_for_update("r-1")
                assert current is not None
                more = (*current.contributions, contribution(9))
                await transaction.save(
                    current,
                    current.model_copy(update={"contributions": more}),
                    platform="slack",
                    event_id="E-retried",
                    audit=[entry("answer_recorded")],
                    submissions=[],
                )
        except DuplicateEvent:
            return "duplicate"
        return "handled"

    outcomes = await asyncio.gather(*(deliver() for _ in range(5)))
    assert sorted(outcomes) == ["duplicate"] * 4 + ["handled"]
    loaded = await store.load("r-1")
    assert loaded is not None
    assert loaded.version == saved.version + 1
    assert [c.id for c in loaded.contributions].count("c9") == 1


async def test_an_exception_in_the_turn_rolls_everything_back(store: ReportStore) -> None:
    saved = await create(store, rich_state())

    async def failing_turn() -> None:
        async with store.transaction() as transaction:
            await transaction.save(
                saved,
                saved.model_copy(update={"title": "never"}),
                platform="slack",
                event_id="E1",
                audit=[entry("never")],
                submissions=[],
            )
            raise RuntimeError("the engine failed after saving")

    with pytest.raises(RuntimeError, match="after saving"):
        await failing_turn()
    assert await store.load("r-1") == saved
    assert not await store.is_processed("slack", "E1")


async def test_contributions_are_never_dropped(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    dropped = saved.model_copy(update={"contributions": saved.contributions[1:]})
    with pytest.raises(ValueError, match=r"\['c1'\] vanished"):
        await save(store, saved, dropped, "E1")
    assert await store.load("r-1") == saved


async def test_a_turn_saves_only_its_own_report(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    with pytest.raises(ValueError, match="cannot save report r-2"):
        await save(store, saved, rich_state("r-2"), "E1")


async def test_a_submission_must_name_the_version_being_saved(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    stale = SubmitRequested(
        report_id="r-1", report_version=1, requested_by=BOB, confirmed_by=(), at=T0
    )
    with pytest.raises(ValueError, match="does not match"):
        await save(store, saved, saved, "E1", submissions=[stale])
    assert await store.submissions() == []
