"""Checkpoints of a SQLite database in WAL mode, run in a thread of their own, so that a
COMMIT can run on the event loop's thread without ever waiting for the disk there.

With `synchronous=NORMAL` in WAL mode, a COMMIT only writes the transaction's pages to the
WAL (into the operating system's cache: microseconds) and syncs nothing, with two exceptions
(SQLite's documentation of `synchronous`; checked with strace on this machine):

- a checkpoint, which SQLite runs inside the COMMIT that takes the WAL past 1,000 pages
  (`wal_autocheckpoint`): it syncs the WAL and the database file;
- the first COMMIT after a complete checkpoint, which starts the WAL again from its beginning
  and syncs the WAL's header.

So our connections turn the automatic checkpoint off (`wal_autocheckpoint=0`) and this object
runs the checkpoint instead, in its own thread, when the WAL has grown by the same 1,000
pages since the last one (`journal_size_limit=0` makes the WAL file's size say how much it
holds: it is cut back when the WAL starts again). The checkpoint holds the process's writer
turn (storage.database.WriterQueue), as SQLite's own does inside its COMMIT: a write
transaction that began while it ran could not start the WAL again, and the WAL would only
grow. And it says when the next COMMIT may start the WAL again (`may_restart`): from a
complete checkpoint until a COMMIT that wrote has gone through the driver's thread. Those
COMMITs wait in the thread, as every COMMIT did before.

What is left to chance: another process's checkpoint, and one of ours completing in the few
microseconds between a COMMIT's look at `may_restart` and the COMMIT itself. Either way, that
one COMMIT syncs a header on the event loop's thread: a pause, never an error or a loss.
Durability is SQLite's, unchanged: a crashed process loses nothing committed, a power cut may
lose the last commits (as `synchronous=NORMAL` always allowed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Protocol

log = logging.getLogger(__name__)

# SQLite's own default threshold for its automatic checkpoint, in pages.
CHECKPOINT_PAGES = 1000


class Writers(Protocol):
    def held(self, urgent: bool = False) -> AbstractAsyncContextManager[None]: ...


class Checkpoints:
    """The checkpoints of one database file (one per `storage.database.Database`)."""

    def __init__(self, pages: int = CHECKPOINT_PAGES) -> None:
        self.pages = pages
        # The process's one writer at a time, held while a checkpoint runs (set by Database).
        self.writers: Writers | None = None
        self._file: str | None = None
        self._wal_limit = 0
        # The WAL file's size when the last checkpoint started (0 once the WAL started again).
        self._checked_at = 0
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._running: asyncio.Task[None] | None = None
        # Complete checkpoints so far, counted in the checkpoint's thread as soon as SQLite
        # says so; and the newest of them that a COMMIT has since written after. Between the
        # two, the next COMMIT that writes starts the WAL again. A new WAL starts the same
        # way, so the first COMMIT goes to the thread too.
        self.completed = 1
        self.written_after = 0
        self.runs = 0

    def attach(self, file: str, page_size: int) -> None:
        """The file this object checkpoints (every connection to it says so on opening)."""
        if self._file is None:
            self._file = file
            # A WAL frame is a page and its 24-byte header.
            self._wal_limit = self.pages * (page_size + 24)

    @property
    def may_restart(self) -> bool:
        """Whether the next COMMIT may start the WAL again (and so sync its header)."""
        return self.completed > self.written_after

    def committed(self, wrote: bool, seen: int) -> None:
        """A COMMIT went through, after `seen` complete checkpoints; `wrote`: it changed rows.
        Called on the event loop's thread. Starts a checkpoint when the WAL has grown enough."""
        if wrote and seen > self.written_after:
            self.written_after = seen
        if self._file is None or self.may_restart:
            return
        if self._running is not None and not self._running.done():
            return
        try:
            size = os.stat(f"{self._file}-wal").st_size
        except OSError:
            return
        if size < self._checked_at:
            self._checked_at = 0  # the WAL started again: cut back to what it holds now
        if size - self._checked_at < self._wal_limit:
            return
        self._checked_at = size
        self._running = asyncio.get_running_loop().create_task(self._run())
        self._running.add_done_callback(_logged)

    async def _run(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        executor = self._executor
        # Queued after the writer that started it: it runs once that one has committed.
        async with self.writers.held() if self.writers is not None else nullcontext():
            await asyncio.get_running_loop().run_in_executor(executor, self._checkpoint)

    def _checkpoint(self) -> None:
        """In the checkpoint thread: as much of the WAL into the database as readers allow,
        waiting for no one (PASSIVE, as SQLite's automatic checkpoint)."""
        assert self._file is not None
        if self._connection is None:
            self._connection = sqlite3.connect(
                self._file, timeout=0, isolation_level=None, check_same_thread=False
            )
        busy, frames, done = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        if busy == 0 and frames == done:
            self.completed += 1

    async def close(self) -> None:
        """Wait for a checkpoint in progress and close this object's own connection."""
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
        executor, self._executor = self._executor, None
        if executor is None:
            return
        connection, self._connection = self._connection, None
        if connection is not None:
            await asyncio.get_running_loop().run_in_executor(executor, connection.close)
        executor.shutdown(wait=False)


def _logged(done: asyncio.Task[None]) -> None:
    if done.cancelled():
        return
    error = done.exception()
    if error is not None:
        # The next COMMIT past the threshold tries again; meanwhile the WAL only grows.
        log.warning("SQLite checkpoint failed: %r", error)
