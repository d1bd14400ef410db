"""Memory stays bounded: a thousand turns on one 5,000-indicator report, through the turn
runner, its storage (SQLite) and the merge memo, leave the process's RSS where it was after
the first turns. Measured in a fresh subprocess, so that nothing else of the test session
counts.

The bound, and why: after the warm-up turns the report is cached and the merge memo is at
its steady state; what a turn adds from then on should be released by the budgets (state
cache and merge memo count contributions, not entries). Without them each turn kept about
1.3 MB (the merge memo held every turn's 5,000-contribution merge), i.e. ~1.3 GB over these
1,000 turns. Measured with them: +1.5 MB over 500 turns (benchmarks.bench_turn_cost), +2.3
and +5.7 MB over 1,000 in two runs. 40 MB leaves room for allocator noise and still fails
long before the unbounded behaviour would have reached its 1,000th turn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

INDICATORS = 5000
WARM_UP = 50
TURNS = 1000
BOUND_MB = 40.0

ROOT = Path(__file__).resolve().parents[2]


def test_turns_on_a_5000_indicator_report_leave_rss_flat() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    batches = [str(WARM_UP), str(TURNS)]
    command = [sys.executable, "-m", "benchmarks.bench_turn_cost", "--child", "flat"]
    command += ["sqlite", str(INDICATORS), *batches]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    after_warm_up, after_turns = json.loads(done.stdout.strip().splitlines()[-1])
    growth = after_turns - after_warm_up
    assert growth < BOUND_MB, f"RSS grew {growth:.1f} MB over {TURNS} turns"
