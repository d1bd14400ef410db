"""Posts to one channel are paced; other channels are not held up."""

from __future__ import annotations

import pytest

from bot.pacing import ChannelPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_goes_at_once_then_one_a_second() -> None:
    time = FakeTime()
    pacer = ChannelPacer(per_second=1.0, burst=3, clock=time.clock)
    waits = [pacer.reserve("C1") for _ in range(6)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


def test_channels_have_their_own_schedule() -> None:
    time = FakeTime()
    pacer = ChannelPacer(per_second=1.0, burst=1, clock=time.clock)
    assert [pacer.reserve("C1"), pacer.reserve("C1"), pacer.reserve("C2")] == [0.0, 1.0, 0.0]


def test_a_quiet_channel_earns_its_burst_back() -> None:
    time = FakeTime()
    pacer = ChannelPacer(per_second=2.0, burst=2, clock=time.clock)
    assert [pacer.reserve("C1") for _ in range(3)] == [0.0, 0.0, 0.5]
    time.now += 10
    assert [pacer.reserve("C1") for _ in range(2)] == [0.0, 0.0]


async def test_wait_sleeps_for_the_reserved_slot() -> None:
    time = FakeTime()
    pacer = ChannelPacer(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        await pacer.wait("C1")
    assert time.slept == [1.0, 1.0]


def test_many_idle_channels_are_forgotten() -> None:
    time = FakeTime()
    pacer = ChannelPacer(per_second=1.0, burst=1, clock=time.clock)
    for n in range(10_001):
        pacer.reserve(f"C{n}")
    time.now += 5
    pacer.reserve("C-new")
    assert len(pacer._free_at) == 1


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_nonsense_settings_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        ChannelPacer(per_second=rate, burst=burst)
