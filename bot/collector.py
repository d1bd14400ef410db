"""Python's garbage collector, tuned once `serve` has started.

Measured under bench_slack (concurrency 200, SQLite) with the defaults: 657 young
collections, 60 middle and 5 full ones in one run, 0.8 s of collector time in all (about
0.3 ms per turn), and each full collection stopped the event loop for up to 133 ms, which
every request in flight waited out (the acknowledgements' p99).

Most of what a full collection walks was made once at start-up and lives until the process
ends: imported modules, the SDKs' classes and validators, the checklist, the tables' metadata.
`gc.freeze()` moves all of that out of the collector's sight, so a full collection only
walks what the server made since (its caches, which are bounded). A larger first threshold
lets a turn's short-lived objects die by reference count before a young collection looks
at them. Reference cycles are still collected, only less often.
"""

from __future__ import annotations

import gc

# Allocations (net of deallocations) between young collections; Python's default is 700.
YOUNG = 10_000
# Young collections per middle one, middle ones per full one (Python's: 10 and 10).
MIDDLE = 20
FULL = 10


def tune_for_serving() -> None:
    """Call once, when everything a server imports and builds at start-up exists."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL)
