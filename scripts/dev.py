#!/usr/bin/env python3
"""Set everything up and run: `python3 scripts/dev.py demo`, `python3 scripts/dev.py playground`
or `python3 scripts/dev.py test`.

Needs only python3 (3.11+). Creates `.venv`, installs exactly the versions pinned (with their
hashes) in `requirements-dev.lock` when the lock changed since the last install, then the
project itself, then runs the demo or the whole test suite (ruff, mypy --strict, pytest).

`python3 scripts/dev.py lock` refreshes both locks after a change to the dependencies in
pyproject.toml (uv: the newest versions allowed, every platform and Python 3.11+):
`requirements-dev.lock` with the dev extra (development, CI) and `requirements.lock` with
the runtime dependencies alone, at the same versions (the container image).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".jcdc-bot-installed"
LOCK = ROOT / "requirements-dev.lock"
RUNTIME_LOCK = ROOT / "requirements.lock"
# A line of each lock's header names the dependencies it was made from.
DIGEST_PREFIX = "# pyproject dependencies sha256: "
# uv resolves the lock; pinned because its output format and resolver move fast.
UV = "uv==0.13.9"
LOCK_COMMAND = (
    "pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header"
)


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    completed = subprocess.run([str(c) for c in command], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def dependencies_digest() -> str:
    """What the lock must be refreshed for: the dependency lists and the Python range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = [
        project.get("requires-python"),
        project.get("dependencies", []),
        project.get("optional-dependencies", {}),
    ]
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def check_lock() -> None:
    for lock in (LOCK, RUNTIME_LOCK):
        lines = lock.read_text("utf-8").splitlines() if lock.exists() else []
        recorded = next((ln for ln in lines if ln.startswith(DIGEST_PREFIX)), "")
        if recorded.removeprefix(DIGEST_PREFIX) != dependencies_digest():
            sys.exit(
                f"{lock.name} does not match the dependencies in pyproject.toml: "
                "run `python3 scripts/dev.py lock` and commit both lock files"
            )


def ensure_venv() -> None:
    if not (BIN / "python").exists():
        print(f"Creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)


def ensure_environment() -> None:
    ensure_venv()
    check_lock()
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    pip = (BIN / "python", "-m", "pip", "install", "--quiet")
    run(*pip, "--upgrade", "pip")
    # Exactly the locked versions, each checked against its hash; then the project alone.
    run(*pip, "--require-hashes", "-r", LOCK)
    run(*pip, "--no-deps", "-e", ".")
    STAMP.write_text(wanted)


def refresh_lock() -> None:
    ensure_venv()
    if not (BIN / "uv").exists():
        run(BIN / "python", "-m", "pip", "install", "--quiet", UV)
    # The runtime lock is constrained by the dev lock: the image runs what CI tested.
    write_lock(LOCK, "with the dev extra", "--extra", "dev")
    write_lock(RUNTIME_LOCK, "runtime only, as in the dev lock", "-c", LOCK.name)


def write_lock(lock: Path, what: str, *options: str) -> None:
    header = (
        f"# Every dependency of jcdc-bot ({what}), pinned with hashes.\n"
        "# Refresh after changing pyproject.toml's dependencies: python3 scripts/dev.py lock\n"
        f"{DIGEST_PREFIX}{dependencies_digest()}\n"
    )
    print("+ uv", LOCK_COMMAND, *options, flush=True)
    completed = subprocess.run(
        [str(BIN / "uv"), *LOCK_COMMAND.split(), *options],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.exit(completed.stderr)
    lock.write_text(header + completed.stdout, "utf-8")
    print(f"Wrote {lock.relative_to(ROOT)}", flush=True)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("demo", "playground", "test", "setup", "lock"):
        sys.exit(
            "usage: python3 scripts/dev.py demo [--out DIR] | playground [--port P] "
            "| test [pytest args] | setup | lock"
        )
    task, rest = argv[0], argv[1:]
    if task == "lock":
        refresh_lock()
        return
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
