"""Per-channel pacing for posts: Slack allows about one message per second per channel, with
short bursts. Posts wait for their turn instead of running into HTTP 429.

The chat worker keeps one pacer per platform on the wall clock, and stores each channel's
schedule with the channel's lane lease, so that a replica taking a channel over goes on from
where the previous one left off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ChannelPacer:
    """A GCRA-style schedule per channel: `burst` posts may go at once, then one each
    `interval` seconds. A caller reserves its slot before sleeping, so posts keep their order."""

    def __init__(
        self,
        per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("pacing needs a positive rate and a burst of at least one")
        self.interval = 1.0 / per_second
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        # Per channel: when the schedule is next free ("theoretical arrival time").
        self._free_at: dict[str, float] = {}

    def schedule(self, channel: str) -> float | None:
        """When the channel's schedule is next free (None when it is unknown or idle)."""
        return self._free_at.get(channel)

    def resume(self, channel: str, free_at: float | None) -> None:
        """Go on with a schedule kept elsewhere (another replica's last post)."""
        if free_at is None:
            self._free_at.pop(channel, None)
        else:
            self._free_at[channel] = max(free_at, self._free_at.get(channel, free_at))

    def reserve(self, channel: str) -> float:
        """Take the channel's next slot; return how long to wait for it (0 when free now)."""
        now = self.clock()
        if len(self._free_at) > 10_000:
            self._forget_idle(now)
        free_at = max(self._free_at.get(channel, now), now)
        wait = max(0.0, free_at - (self.burst - 1) * self.interval - now)
        self._free_at[channel] = free_at + self.interval
        return wait

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel)
        if delay > 0:
            await self.sleep(delay)

    def _forget_idle(self, now: float) -> None:
        # A channel whose schedule lies in the past starts afresh anyway.
        self._free_at = {c: t for c, t in self._free_at.items() if t > now}
