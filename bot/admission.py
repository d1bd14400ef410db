"""At most N turns at once; the rest wait their turn without using the CPU.

Slack is answered on the event loop that also runs the turns. With every delivery's turn
running at once, each answer waits behind all of their callbacks; with a few running and the
rest queued on a semaphore, it waits behind a few. (The runner's own nested turns do not pass
through here, so they can never wait for a slot their caller holds.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from conversations.events import Event

T = TypeVar("T")


def admitted(
    handle: Callable[[Event], Awaitable[T]], limit: int
) -> Callable[[Event], Awaitable[T]]:
    slots = asyncio.Semaphore(limit)

    async def admit(event: Event) -> T:
        async with slots:
            return await handle(event)

    return admit
