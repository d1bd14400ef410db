"""The committed-state cache: it saves reading a report again, and is never trusted blindly."""

from __future__ import annotations

import pytest

from conversations.state import ReportState
from storage.database import Database
from storage.repository import ReportStore
from storage.state_cache import StateCache
from tests.storage.states import contribution, create, rich_state, save


async def test_a_committed_turn_is_served_from_the_cache(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    async with store.transaction() as transaction:
        loaded = await transaction.load_for_update(saved.id)
    assert loaded is saved  # the very object the committed turn saved
    assert store.cache.hits == 1


async def test_another_replicas_write_is_seen(database: Database) -> None:
    here, there = ReportStore(database), ReportStore(database)
    saved = await create(here, rich_state())
    async with there.transaction() as transaction:
        theirs = await transaction.load_for_update(saved.id)
    assert theirs == saved
    newer = await save(there, theirs, saved.model_copy(update={"title": "changed there"}), "E1")
    assert newer is not None
    async with here.transaction() as transaction:
        loaded = await transaction.load_for_update(saved.id)
    assert loaded == newer
    assert loaded is not None
    assert loaded.title == "changed there"


async def test_a_rolled_back_turn_never_enters_the_cache(store: ReportStore) -> None:
    saved = await create(store, rich_state())

    async def fail_after_saving() -> None:
        async with store.transaction() as transaction:
            await transaction.save(
                saved,
                saved.model_copy(update={"title": "never committed"}),
                platform="slack",
                event_id="E-rolled-back",
                audit=[],
                submissions=[],
            )
            raise RuntimeError("failed after saving")

    with pytest.raises(RuntimeError, match="after saving"):
        await fail_after_saving()
    async with store.transaction() as transaction:
        loaded = await transaction.load_for_update(saved.id)
    assert loaded is saved
    assert await store.load(saved.id) == saved


async def test_a_missing_report_is_none(store: ReportStore) -> None:
    async with store.transaction() as transaction:
        assert await transaction.load_for_update("no-such-report") is None


def test_least_recently_used_reports_leave_first() -> None:
    cache = StateCache(capacity=2)
    states = [rich_state().model_copy(update={"id": f"r{n}", "version": 1}) for n in range(3)]
    cache.put(states[0])
    cache.put(states[1])
    assert cache.get("r0", 1) is states[0]  # r0 is now the most recently used
    cache.put(states[2])
    assert cache.get("r1", 1) is None
    assert cache.get("r0", 1) is states[0]
    assert cache.get("r2", 2) is None  # another version is a miss, never a stale hit


def _report(report_id: str, contributions: int) -> ReportState:
    many = tuple(contribution(n) for n in range(contributions))
    return rich_state(report_id).model_copy(update={"contributions": many, "version": 1})


def test_the_budget_counts_contributions_not_reports() -> None:
    cache = StateCache(capacity=100, budget=1_000)
    for n in range(10):
        cache.put(_report(f"r{n}", 199))  # 200 each with the report itself
    assert cache.held <= 1_000
    kept = [n for n in range(10) if cache.get(f"r{n}", 1) is not None]
    assert kept == [5, 6, 7, 8, 9]  # the newest five fit; the oldest left first


def test_a_report_larger_than_the_budget_is_not_kept() -> None:
    cache = StateCache(capacity=100, budget=100)
    small = _report("small", 10)
    cache.put(small)
    cache.put(_report("huge", 500))
    assert cache.get("huge", 1) is None
    assert cache.get("small", 1) is small
    assert cache.held == 11


def test_a_newer_version_replaces_the_old_one_in_the_count() -> None:
    cache = StateCache(capacity=100, budget=1_000)
    state = _report("r", 100)
    for version in range(1, 20):
        cache.put(state.model_copy(update={"version": version}))
    assert cache.held == 101
