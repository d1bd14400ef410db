"""The command line's event loop (bot/event_loop.py): uvloop's where installed, else asyncio's."""

from __future__ import annotations

import asyncio

import pytest

from bot import event_loop


def test_the_runner_gets_uvloop_where_it_is_installed() -> None:
    factory = event_loop.loop_factory()
    assert factory is not None
    with asyncio.Runner(loop_factory=factory) as runner:
        assert runner.run(_name()) == "uvloop.Loop"


def test_without_uvloop_asyncio_makes_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_loop, "uvloop", None)
    assert event_loop.loop_factory() is None
    with asyncio.Runner(loop_factory=event_loop.loop_factory()) as runner:
        assert runner.run(_name()).startswith("asyncio.")


async def _name() -> str:
    return event_loop.name()
