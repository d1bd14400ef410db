"""Reports as the last committed turn left them, kept in memory between turns.

A turn still locks the report's row and reads its version; only when that version is the one
cached are the contributions and assignments not read again. Every write of a report goes
through a turn that raises its version, so a matching version means identical content, also
when other replicas write to the same database. States enter only after their transaction
committed: a rolled-back version is never mistaken for a committed one.
"""

from __future__ import annotations

from collections import OrderedDict

from conversations.state import ReportState


class StateCache:
    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self._states: OrderedDict[str, ReportState] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, report_id: str, version: int) -> ReportState | None:
        state = self._states.get(report_id)
        if state is None or state.version != version:
            self.misses += 1
            return None
        self._states.move_to_end(report_id)
        self.hits += 1
        return state

    def put(self, state: ReportState) -> None:
        if self.capacity <= 0:
            return
        self._states[state.id] = state
        self._states.move_to_end(state.id)
        while len(self._states) > self.capacity:
            self._states.popitem(last=False)
