"""Reports as the last committed turn left them, kept in memory between turns.

A turn either reads the report's version and uses the cached state only when it is that one,
or (the usual turn, see ReportStore.load_committed) uses the newest cached state and lets its
save check the version (VersionConflict, and the turn runs again from the database). Every
write of a report goes through a turn that raises its version, so a matching version means
identical content, also when other replicas write to the same database. States enter only
after their transaction committed: a rolled-back version is never mistaken for a committed one.
"""

from __future__ import annotations

from collections import OrderedDict

from conversations.state import ReportState

# What the cache may hold, in contributions (about 3 KB each in memory: some 150 MB at most;
# a 5,000-contribution report weighs 5,001). A count of reports alone would let a thousand
# 5,000-contribution reports take gigabytes.
CONTRIBUTION_BUDGET = 50_000


def weight(state: ReportState) -> int:
    """A state's share of the budget: its contributions, and one for the report itself."""
    return len(state.contributions) + 1


class StateCache:
    def __init__(self, capacity: int = 1024, budget: int = CONTRIBUTION_BUDGET) -> None:
        self.capacity = capacity
        self.budget = budget
        self._states: OrderedDict[str, ReportState] = OrderedDict()
        self.held = 0
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

    def latest(self, report_id: str) -> ReportState | None:
        """The newest state cached, whatever the database's version now: for a turn whose
        save checks the version itself (ReportStore.load_committed, trust_cache)."""
        state = self._states.get(report_id)
        if state is None:
            self.misses += 1
            return None
        self._states.move_to_end(report_id)
        self.hits += 1
        return state

    def put(self, state: ReportState) -> None:
        held = self._states.get(state.id)
        if held is not None and held.version > state.version:
            # Two turns of this process committed one after the other, and the later one's
            # state came in first: the newer one stays.
            return
        if self.capacity <= 0 or weight(state) > self.budget:
            self.forget(state.id)  # too big to keep: the next turn reads it from the database
            return
        self.forget(state.id)
        self._states[state.id] = state
        self.held += weight(state)
        while len(self._states) > self.capacity or self.held > self.budget:
            _, oldest = self._states.popitem(last=False)
            self.held -= weight(oldest)

    def forget(self, report_id: str) -> None:
        gone = self._states.pop(report_id, None)
        if gone is not None:
            self.held -= weight(gone)
