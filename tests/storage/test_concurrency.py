"""Concurrent turns on one report: serialised by the database and the version, never by luck."""

from __future__ import annotations

import asyncio

from storage.repository import ReportStore, VersionConflict
from tests.storage.states import contribution, create, rich_state

TURNS = 20


async def test_concurrent_turns_on_one_report_lose_nothing(store: ReportStore) -> None:
    base = await create(store, rich_state().model_copy(update={"contributions": ()}))
    conflicts = 0

    async def add(n: int) -> None:
        nonlocal conflicts
        while True:
            try:
                async with store.transaction() as transaction:
                    current = await transaction.load_for_update(base.id)
                    assert current is not None
                    # Give every other turn the chance to run in between.
                    await asyncio.sleep(0)
                    await transaction.save(
                        current,
                        current.model_copy(
                            update={"contributions": (*current.contributions, contribution(n))}
                        ),
                        platform="slack",
                        event_id=f"N{n}",
                        audit=[],
                        submissions=[],
                    )
                return
            except VersionConflict:
                conflicts += 1

    await asyncio.gather(*(add(n) for n in range(TURNS)))
    loaded = await store.load(base.id)
    assert loaded is not None
    ids = [c.id for c in loaded.contributions]
    assert sorted(ids) == sorted(f"c{n}" for n in range(TURNS))
    assert len(set(ids)) == TURNS
    assert loaded.version == TURNS + 1
    # load_for_update serialises the turns, so none of them even had to retry.
    assert conflicts == 0
