#!/usr/bin/env python3
"""Set everything up and run: `python3 scripts/dev.py demo`, `python3 scripts/dev.py playground`
or `python3 scripts/dev.py test`.

Needs only python3 (3.11+). Creates `.venv`, installs the project with its dev extra when
pyproject.toml changed since the last install, then runs the demo or the whole test suite
(ruff, mypy --strict, pytest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".jcdc-bot-installed"


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    completed = subprocess.run([str(c) for c in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def ensure_environment() -> None:
    if not (BIN / "python").exists():
        print(f"Creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("demo", "playground", "test", "setup"):
        sys.exit(
            "usage: python3 scripts/dev.py demo [--out DIR] | playground [--port P] "
            "| test [pytest args] | setup"
        )
    task, rest = argv[0], argv[1:]
    ensure_environment()
    if task == "demo":
        run(BIN / "jcdc-bot", "demo", *rest)
    elif task == "playground":
        run(BIN / "jcdc-bot", "playground", *rest)
    elif task == "test":
        run(BIN / "ruff", "check", "--no-cache", ".")
        run(BIN / "ruff", "format", "--check", "--no-cache", ".")
        run(BIN / "mypy")
        run(BIN / "python", "-m", "pytest", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
