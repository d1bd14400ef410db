"""No more than the admitted number of turns run at once; the others wait, none is lost."""

from __future__ import annotations

import asyncio

from bot.admission import admitted
from conversations.events import CommandIssued
from conversations.state import Actor


async def test_at_most_limit_turns_run_at_once() -> None:
    running = 0
    most = 0

    async def handle(event: CommandIssued) -> str:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return event.event_id

    admit = admitted(handle, 3)  # type: ignore[arg-type]
    events = [
        CommandIssued(
            event_id=f"e{n}",
            platform="slack",
            channel="C",
            actor=Actor(id="U", name="u"),
            text="status",
        )
        for n in range(10)
    ]
    results = await asyncio.gather(*(admit(e) for e in events))
    assert results == [e.event_id for e in events]
    assert most == 3
