"""A turn through the inbox, as `serve` runs it, builds no SQL statement of its own: every one
it executes is an object built once (storage.prepared says why), so none pays for building
and cache-keying again. Counted, not timed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from storage.database import Database
from storage.repository import ReportStore
from tests.bot.test_inbox_batching import Bot, answers, indicators, make_bot
from tests.bot.test_runner import CHANNEL, start_report
from tests.storage.pending import pending
from tests.storage.states import executed_through_sqlalchemy, sent_to_asyncpg


@contextmanager
def executed(database: Database) -> Iterator[list[object]]:
    """The statement objects executed while the block runs (both pools on PostgreSQL)."""
    statements: list[object] = []

    def record(_connection: Any, statement: object, *_: Any) -> None:
        statements.append(statement)

    engines = [database.engine, *([database.urgent_engine] if database.urgent_engine else [])]
    for engine in engines:
        event.listen(engine.sync_engine, "before_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_execute", record)


async def one_turn(bot: Bot, delivery: Any) -> None:
    """Stored, handed to the worker, processed and its effects performed (without the
    checks of `Bot.settled`, whose queries are the test's, not the turn's)."""
    await bot.store_all([delivery])
    await bot.worker.idle()
    await bot.runner.chat_worker.drain(set(bot.runner.chat_worker.lanes()))


async def all_three_landed(store: ReportStore, bot: Bot, thread: str) -> None:
    """Every delivery settled, and the report, as its rows say, holds all three answers."""
    assert await pending(bot.inbox) == 0
    report_id = await store.find_by_thread("test", CHANNEL, thread)
    assert report_id is not None
    assert await indicators(ReportStore(store.database), report_id) == [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
    ]


POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def calls_recorded(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[object]]:
    """What is sent to asyncpg directly, and what goes through SQLAlchemy (whose own path
    uses asyncpg's prepared statements, which the first list does not see)."""
    return sent_to_asyncpg(monkeypatch), executed_through_sqlalchemy(monkeypatch)


async def warm_report(store: ReportStore) -> tuple[Bot, str, list[Any]]:
    """A report whose first answer went through: the bot, its thread and two more answers."""
    bot = make_bot(store)
    _, thread = await start_report(bot.runner, bot.chat)
    deliveries = answers(thread, 3)
    await one_turn(bot, deliveries[0])
    return bot, thread, deliveries[1:]


async def replica_behind(store: ReportStore) -> tuple[Bot, str, Any]:
    """Two replicas on one database, each with its own cache: A answered first, then B, so
    A's cached report is one version behind. A, its thread, and A's next delivery."""
    bot_a = make_bot(store)
    _, thread = await start_report(bot_a.runner, bot_a.chat)
    first, second, third = answers(thread, 3)
    await one_turn(bot_a, first)
    bot_b = make_bot(ReportStore(store.database))
    bot_b.decoder.events.update(bot_a.decoder.events)  # delivery ids go on from A's
    await one_turn(bot_b, second)
    bot_a.decoder.events.update(bot_b.decoder.events)
    return bot_a, thread, third


async def test_a_turn_executes_only_statements_built_before_it(store: ReportStore) -> None:
    bot = make_bot(store)
    _, thread = await start_report(bot.runner, bot.chat)
    deliveries = answers(thread, 4)
    await one_turn(bot, deliveries[0])  # warm: the first turn of an answer
    with executed(store.database) as first:
        await one_turn(bot, deliveries[1])
    with executed(store.database) as later:
        for delivery in deliveries[2:]:
            await one_turn(bot, delivery)
    assert await pending(bot.inbox) == 0

    # Stored, taken, saved, queued, settled, posted, finished: the whole turn ran ...
    assert len(first) >= (10 if store.database.is_sqlite else 8)
    assert len(later) >= 2 * len(first) - 2  # (the pending-effects check may come or not)
    # ... and two more turns executed no statement object the first had not.
    built = {id(s) for s in later} - {id(s) for s in first}
    assert not built, [str(s) for s in later if id(s) in built]


@contextmanager
def sql_executed(database: Database) -> Iterator[list[str]]:
    """The SQL sent to the database while the block runs (both pools on PostgreSQL), BEGIN and
    COMMIT not included: what each statement costs in driver calls and, on PostgreSQL, in
    round trips."""
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    engines = [database.engine, *([database.urgent_engine] if database.urgent_engine else [])]
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


# A warm reply turn through the inbox, as `serve` runs it: the delivery stored (1); taken and
# settled (1), marked processed (1), the report updated at its version (1), its contribution
# and audit entry (2), its effect queued and its lane leased (2; one statement on PostgreSQL);
# once performed, the effect marked done and the lane released (2; one on PostgreSQL). It
# was 15: a SELECT of the report's version before the step, the delivery locked, checked for
# an earlier one and settled in three statements, the lane read again for a next delivery,
# and the chat lane checked for what is left before its release.
WARM_TURN_STATEMENTS = {"sqlite": 10, "postgresql": 8}
# On PostgreSQL without anyone watching the statements, as `serve` runs: the delivery stored;
# BEGIN, taken and settled, the event, report, contribution and audit entry in one statement
# (storage/turn_statement.py), the effect queued with its lane leased, COMMIT; the effect
# marked done with the lane released. Each one round trip; it was 12.
WARM_TURN_ROUND_TRIPS = 7


async def test_a_warm_turn_sends_ten_statements_and_none_reads_what_the_turn_knows(
    store: ReportStore,
) -> None:
    bot, thread, later = await warm_report(store)
    for delivery in later:
        with sql_executed(store.database) as sent:
            await one_turn(bot, delivery)
        assert len(sent) == WARM_TURN_STATEMENTS[store.database.engine.dialect.name], "\n".join(
            sent
        )
        # The cached report is trusted (its UPDATE checks the version), and nothing the turn
        # itself decided is read back.
        assert not [s for s in sent if s.startswith("SELECT")], "\n".join(sent)
    await all_three_landed(store, bot, thread)


@POSTGRES_ONLY
async def test_a_warm_turn_on_postgresql_is_seven_round_trips(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, thread, later = await warm_report(store)
    for delivery in later:
        sent, through_sqlalchemy = calls_recorded(monkeypatch)
        await one_turn(bot, delivery)
        monkeypatch.undo()
        assert through_sqlalchemy == []
        assert len(sent) == WARM_TURN_ROUND_TRIPS, "\n".join(sent)
        assert [s.split(" ")[0] for s in sent if s in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"]
        assert len([s for s in sent if s.startswith("WITH")]) == 3, "\n".join(sent)
    await all_three_landed(store, bot, thread)


async def test_a_replica_whose_cached_report_is_behind_still_sees_the_other_ones_answer(
    store: ReportStore,
) -> None:
    # Two replicas on one database, each with its own cache: B answers after A cached the
    # report, so A's next turn starts from a state one version behind. Its UPDATE finds the
    # version moved on, and the turn runs again from the database: nothing of B's is lost.
    bot_a, thread, third = await replica_behind(store)
    with sql_executed(store.database) as sent:
        await one_turn(bot_a, third)
    await all_three_landed(store, bot_a, thread)
    # The stale attempt was rolled back and run again, reading the report's version this time.
    assert [s for s in sent if s.startswith("SELECT reports.version")], "\n".join(sent)


@POSTGRES_ONLY
async def test_a_stale_replica_on_postgresqls_one_statement_path_loses_nothing(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As above, with nobody watching the statements: A's turn from its stale cache goes out
    # as one statement (storage/turn_statement.py), finds the version moved on, writes
    # nothing, and runs again from the database.
    bot_a, thread, third = await replica_behind(store)
    sent, through_sqlalchemy = calls_recorded(monkeypatch)
    await one_turn(bot_a, third)
    monkeypatch.undo()
    # The stale attempt's statement, rolled back; then the version read, and the turn again.
    assert len([s for s in sent if s.startswith("WITH p AS")]) == 2, "\n".join(sent)
    assert sent.count("ROLLBACK") == 1, "\n".join(sent)
    assert [s for s in through_sqlalchemy if "reports.version" in str(s)]
    await all_three_landed(store, bot_a, thread)
