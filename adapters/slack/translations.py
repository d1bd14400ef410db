"""Translations of Slack deliveries made at the edge, kept for the inbox worker of the same
process: an event is translated once, when it arrives, not again when its turn comes.

The edge must translate an event before answering Slack (a delivery that is stored must be
one the translator accepts, and whether it is ignorable depends on the translation); the
worker needs the same translation a moment later, from the very payload object the edge
stored and handed over. The translation is pure, so the kept one is the one the worker would
make. Keyed by that object's identity (held here, so the identity cannot be reused while
kept): a payload read back from the database, after a restart or by another replica, is a new
object, and is translated again. Bounded: entries whose turn never comes in this process (a
retry that was not new, a delivery another replica processes) fall out, oldest first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from adapters.slack.translate import SlackEvent

# Deliveries between arriving and their turn, in one process: up to the admission limit of
# turns plus what waits behind them. One evicted before its turn is only translated again;
# the bound is what keeps a body (up to Slack's 40,000 characters) that never gets its turn
# here from staying.
KEPT = 256


class Translations:
    def __init__(self, limit: int = KEPT) -> None:
        self.limit = limit
        self._kept: OrderedDict[int, tuple[Mapping[str, object], SlackEvent]] = OrderedDict()

    def keep(self, body: Mapping[str, object], event: SlackEvent) -> None:
        self._kept[id(body)] = (body, event)
        if len(self._kept) > self.limit:
            self._kept.popitem(last=False)

    def take(self, body: Mapping[str, object]) -> SlackEvent | None:
        """The translation kept for this very body (once), else None."""
        kept = self._kept.get(id(body))
        if kept is None or kept[0] is not body:
            return None
        del self._kept[id(body)]
        return kept[1]

    def __len__(self) -> int:
        return len(self._kept)
