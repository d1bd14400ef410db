"""One clock for a fake platform and the people the tests play: Slack and Teams stamp the
bot's posts and people's messages from the same clock (Slack ts, Teams channel message ids),
and which question a reply answers is decided by comparing them."""

from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_last = 0


def _tick(unit_ns: int) -> int:
    """Now in `unit_ns` units, strictly later than any earlier tick (of any unit)."""
    global _last
    with _lock:
        now = time.time_ns() // 1_000  # microseconds
        _last = max(now, _last + unit_ns // 1_000)
        return _last // (unit_ns // 1_000)


def slack_ts() -> str:
    """A fresh Slack ts: seconds and microseconds, unique."""
    micros = _tick(1_000)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def teams_message_id() -> str:
    """A fresh Teams channel message id: epoch milliseconds, unique."""
    return str(_tick(1_000_000))
