"""The playground's channel as the open tabs see it: every record in order, and the tabs
listening for more.

Each tab subscribes as the person it plays; it gets what everyone sees plus what is addressed
to that person (`to`), first as a snapshot, then live. The records live in memory: the reports
themselves are in the database, so a restarted playground still knows every report, only the
page starts empty (a root card reappears when the report next changes).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from adapters.web.render import Record

# A tab that stops reading (a frozen background tab) is dropped after this many unread
# messages rather than let its queue grow without bound; it reconnects with a snapshot.
QUEUE_LIMIT = 1000
# Records kept for snapshots: far more than a playground session posts.
HISTORY_LIMIT = 5000


def new_id(prefix: str) -> str:
    # Random, not counted: a restarted playground must not reuse a thread id the database
    # already knows.
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass(eq=False)
class _Tab:
    person: str
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT)
    )
    overflowed: bool = False


class Hub:
    def __init__(self) -> None:
        self._records: dict[str, Record] = {}
        self._tabs: set[_Tab] = set()
        self._people: dict[str, str] = {}
        self._closed = False

    # What is on the page.

    def records(self, person: str | None = None) -> list[Record]:
        """Everything `person` sees, in order (everything, with None)."""
        return [r for r in self._records.values() if person is None or _visible(r, person)]

    def get(self, record_id: str) -> Record | None:
        return self._records.get(record_id)

    def publish(self, record: Record) -> None:
        """Add a record, or replace the one with its id (kept in its place)."""
        self._records[record["id"]] = record
        while len(self._records) > HISTORY_LIMIT:
            del self._records[next(iter(self._records))]
        self._send({"op": "put", "record": record}, record.get("to"))

    def update(self, record_id: str, **changes: Any) -> Record | None:
        record = self._records.get(record_id)
        if record is None:
            return None
        changed = {**record, **changes}
        self.publish(changed)
        return changed

    def seen(self, person_id: str, name: str) -> None:
        """Someone acted on the page: every tab may now @mention them."""
        if self._people.get(person_id) == name:
            return
        self._people[person_id] = name
        self._send({"op": "people", "people": self.people()}, None)

    def people(self) -> list[str]:
        return sorted(self._people.values(), key=str.casefold)

    # Tabs.

    async def follow(
        self, person: str, quiet_after: float | None = None
    ) -> AsyncGenerator[dict[str, Any] | None, None]:
        """A snapshot for `person`, then every change they may see, until the hub closes;
        None whenever nothing happened for `quiet_after` seconds (time for a keepalive)."""
        tab = _Tab(person)
        self._tabs.add(tab)
        try:
            yield {"op": "snapshot", "records": self.records(person), "people": self.people()}
            while not self._closed:
                try:
                    message = await asyncio.wait_for(tab.queue.get(), quiet_after)
                except TimeoutError:
                    yield None
                    continue
                if message is None or tab.overflowed:
                    return
                yield message
        finally:
            self._tabs.discard(tab)

    def tabs(self) -> int:
        return len(self._tabs)

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        self._closed = True
        for tab in list(self._tabs):
            _offer(tab, None)

    def _send(self, message: dict[str, Any], to: str | None) -> None:
        for tab in list(self._tabs):
            if (to is None or tab.person == to) and not _offer(tab, message):
                self._tabs.discard(tab)


def _visible(record: Record, person: str) -> bool:
    to = record.get("to")
    return to is None or to == person


def _offer(tab: _Tab, message: dict[str, Any] | None) -> bool:
    try:
        tab.queue.put_nowait(message)
        return True
    except asyncio.QueueFull:
        # Dropped: its stream ends at the next read, and the tab reconnects for a snapshot.
        tab.overflowed = True
        return False
