"""The event loop the command line runs on: uvloop's (libuv) where it is installed, else
asyncio's own.

uvloop runs the same asyncio code with less CPU for each socket read and each callback: a
`serve` turn is a dozen of them (the request, the database's round trips, the Web API call).
Measured with benchmarks/bench_slack.py on this machine (alternated, same minutes, concurrency
200): server CPU per turn 4.17 → 3.76 ms on PostgreSQL and 3.10 → 2.91 ms on SQLite. It is a
dependency everywhere but Windows, which it does not support."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from types import ModuleType


def _uvloop() -> ModuleType | None:
    try:
        return importlib.import_module("uvloop")
    except ImportError:  # Windows, or an install without it
        return None


uvloop = _uvloop()


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What asyncio.Runner makes its loop with (None: asyncio's default)."""
    if uvloop is None:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def name() -> str:
    loop = asyncio.get_running_loop()
    return f"{type(loop).__module__}.{type(loop).__qualname__}"
