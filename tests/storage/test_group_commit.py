"""storage.group_commit: what arrives while a group is written is the next group; each caller
hears its own result; an error fails its group and no other."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from storage.group_commit import GroupCommit


class Writer:
    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.release = asyncio.Event()
        self.fail_on: int | None = None

    async def write(self, items: Sequence[int]) -> list[int]:
        self.groups.append(list(items))
        await self.release.wait()  # a commit that takes a while
        if self.fail_on in items:
            raise OSError("the database went away")
        return [item * 10 for item in items]


async def test_what_arrives_during_a_write_is_the_next_group() -> None:
    writer = Writer()
    grouped = GroupCommit[int, int](writer.write)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0)  # the first group's write has begun
    await asyncio.sleep(0)
    later = [asyncio.create_task(grouped.submit(n)) for n in range(2, 6)]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == 10
    assert [await task for task in later] == [20, 30, 40, 50]
    assert writer.groups == [[1], [2, 3, 4, 5]]


async def test_an_error_fails_its_group_only() -> None:
    writer = Writer()
    writer.fail_on = 2
    grouped = GroupCommit[int, int](writer.write)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    failing = [asyncio.create_task(grouped.submit(n)) for n in (2, 3)]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == 10
    for task in failing:
        with pytest.raises(OSError, match="went away"):
            await task
    writer.fail_on = None
    assert await grouped.submit(4) == 40
    await grouped.idle()
    assert writer.groups == [[1], [2, 3], [4]]
