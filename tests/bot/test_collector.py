"""`serve` tunes the garbage collector once started (bot/collector.py): what start-up made is
frozen out of its sight, young collections come less often, and cycles are still collected."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import collector
from bot.serve import serve
from bot.settings import Settings
from tests.adapters.email.smtp_server import free_port


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_start_up_is_frozen_and_cycles_are_still_collected(restored: None) -> None:
    made_at_start = Node()
    collector.tune_for_serving()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG, collector.MIDDLE, collector.FULL)
    assert gc.isenabled()
    # A cycle made while serving is garbage the collector still finds.
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
    assert made_at_start.other is None


async def test_serve_tunes_the_collector_once_it_listens(
    restored: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()
    monkeypatch.chdir(tmp_path)  # the e-mail outbox's default folder
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jcdc.db'}")
    seen: list[int] = []

    def started(_: str) -> None:
        seen.append(gc.get_freeze_count())
        os.kill(os.getpid(), signal.SIGTERM)  # serve's own stop: it shuts down cleanly

    await asyncio.wait_for(serve(settings, "127.0.0.1", free_port(), started=started), 60)
    (frozen,) = seen
    assert frozen > 0
    assert gc.get_threshold()[0] == collector.YOUNG
