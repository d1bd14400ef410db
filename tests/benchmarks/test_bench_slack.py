"""The Slack benchmark still measures what it says: a tiny run of jcdc-bot (a real `serve`
process) and of the floor (on asyncio's loop and on uvloop) through `benchmarks.bench_slack`
finishes every turn with no
error. Numbers are not checked here (they belong in the benchmark's output); what is checked
is that a change of the bot's conversation (the quiet thread, the root message that asks the
first question) has not left the benchmark waiting for a call that never comes, which twice
turned a run into timeouts unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_slack import Result, Waiters, jcdc, median_result, plain
from tests.adapters.slack.fake_slack import fake_slack

CONCURRENCY = 3
# /proc counts CPU in clock ticks (10 ms here): the floor's turns now take ~1.5 ms each, and
# 6 of them once added up to less than one tick (a CPU reading of 0). 24 take several.
TURNS_PER_WORKER = 8


async def test_a_tiny_run_of_jcdc_and_the_floor_finishes_every_turn(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        waiters = Waiters()
        fake.listeners.append(waiters.on_call)
        ours = await jcdc(
            fake, waiters, CONCURRENCY, TURNS_PER_WORKER, f"sqlite:///{tmp_path / 'jcdc.db'}"
        )
        floor = await plain(
            "benchmarks.floor_slack_app",
            "floor",
            fake,
            waiters,
            CONCURRENCY,
            TURNS_PER_WORKER,
            f"sqlite:///{tmp_path / 'floor.db'}",
        )
        # The floor on uvloop, the event loop `serve` runs on.
        on_uvloop = await plain(
            "benchmarks.floor_slack_app",
            "floor uvloop",
            fake,
            waiters,
            CONCURRENCY,
            TURNS_PER_WORKER,
            f"sqlite:///{tmp_path / 'floor-uvloop.db'}",
            ("--uvloop",),
        )
    for result in (ours, floor, on_uvloop):
        assert result.errors == 0, result.name
        assert result.turns == CONCURRENCY * TURNS_PER_WORKER, result.name
        assert len(result.acks) == result.turns, result.name
        assert result.cpu_seconds > 0, result.name


def test_rounds_are_reported_by_their_medians() -> None:
    # --rounds N: one row per phase, throughput and CPU per turn each the median of the
    # rounds (not of one round picked whole), latencies those of the median round.
    rounds = [
        Result("jcdc-bot", 50, 100, seconds, [ack], 0, cpu, machine, database)
        for seconds, ack, cpu, machine, database in (
            (1.0, 0.010, 0.30, 0.50, 0.10),  # 100 turns/s, 3.0 ms CPU per turn
            (0.5, 0.020, 0.20, 0.40, 0.20),  # 200 turns/s, 2.0 ms
            (0.25, 0.030, 0.40, 0.60, 0.30),  # 400 turns/s, 4.0 ms
        )
    ]
    median = median_result(rounds)
    assert median.throughput == pytest.approx(200)
    assert median.cpu_ms_per_turn == pytest.approx(3.0)
    assert median.machine_ms_per_turn == pytest.approx(5.0)
    assert median.database_ms_per_turn == pytest.approx(2.0)
    assert median.acks == [0.020]
    assert median.turns == 100
