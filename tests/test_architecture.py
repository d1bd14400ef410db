"""The layers, checked on every build: data flows one way, and the pure core stays pure.

Every module's imports are read with `ast` (nothing is imported or run), `if TYPE_CHECKING:`
imports included. The rules (docs/architecture.md draws the picture):

- `conversations/` (the engine) imports nothing first-party but itself; `documents/` (report
  assembly and renderings) only itself and `conversations/`. Neither imports a third-party
  package outside a short allow-list (pydantic, PyYAML, ioc-finder; and stix2 for documents):
  no SDK, no database driver, no web framework. Neither reads the clock: no `import time`,
  no `datetime.now()`, `utcnow()` or `today()` (bot/clock.py is the one clock; the engine is
  handed `now`), and no network, process or event-loop module of the standard library.
- `adapters/<platform>/` (slack, teams, web, email, memory) imports neither `storage` nor `bot`
  nor another platform's adapter. Besides itself it may use `conversations`, `documents` and
  the shared adapter infrastructure: the modules directly in `adapters/` (intake.py, the port
  deliveries are handed to; safe_json.py; event_limits.py). Those shared modules import no
  platform adapter, no storage and no bot.
- `storage/` imports no adapter and no bot: it implements the adapters' ports structurally.
- `bot/`, the composition root, is imported by nothing below it.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("conversations", "documents", "storage", "adapters", "bot")
PURE = ("conversations", "documents")
# Third-party packages the pure core may use: data validation, the checklist file format and
# the indicator extractor (pure functions on strings), and dateparser for relative dates (the
# base time is always passed as RELATIVE_BASE, so it never reads the clock for us).
PURE_THIRD_PARTY = frozenset({"pydantic", "pydantic_core", "yaml", "ioc_finder", "dateparser"})
# And for documents only: the STIX 2.1 object library the bundle is built with (it reads the
# clock only for a timestamp left out, and the bundle passes every one; the byte-identical
# re-export test in tests/documents/test_stix.py would see a clock read).
DOCUMENTS_THIRD_PARTY = frozenset({"stix2"})
# Standard-library modules that mean a clock, the network, processes or an event loop.
IMPURE_STDLIB = frozenset(
    {
        "time",
        "asyncio",
        "socket",
        "ssl",
        "selectors",
        "subprocess",
        "multiprocessing",
        "threading",
        "concurrent",
        "http",
        "urllib",
        "smtplib",
        "sqlite3",
        "signal",
    }
)
# Calls that read the clock, on `datetime` or `date` (also as `datetime.datetime`).
CLOCK_CALLS = frozenset({"now", "utcnow", "today"})
CLOCK_OWNERS = frozenset({"datetime", "date"})
# What a first-party package may import besides itself.
ALLOWED_FIRST_PARTY = {
    "conversations": frozenset(),
    "documents": frozenset({"conversations"}),
    "storage": frozenset({"conversations", "documents"}),
    "adapters": frozenset({"conversations", "documents"}),
    "bot": frozenset({"conversations", "documents", "storage", "adapters"}),
}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import, relative ones resolved."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            if name.split(".")[0] in LAYERS:
                # `from adapters import slack` imports the package adapters.slack.
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def clock_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = _dotted(node.func.value).rpartition(".")[2]
            if node.func.attr in CLOCK_CALLS and owner in CLOCK_OWNERS:
                found.append((node.lineno, f"{_dotted(node.func)}()"))
    return found


def check_import(source: str, target: str, platforms: set[str]) -> str | None:
    """Why `source` may not import `target`, or None when it may."""
    layer, top = source.split(".")[0], target.split(".")[0]
    if top in LAYERS:
        if top == layer:
            if layer != "adapters":
                return None
            mine = _platform(source, platforms)
            theirs = _platform(target, platforms)
            if theirs is None or theirs == mine:
                return None  # shared adapter infrastructure, or its own platform
            if mine is None:
                return f"shared adapter infrastructure imports the {theirs} adapter ({target})"
            return f"the {mine} adapter imports the {theirs} adapter ({target})"
        if top not in ALLOWED_FIRST_PARTY[layer]:
            return f"{layer} imports {top} ({target})"
        return None
    if layer in PURE:
        if top in sys.stdlib_module_names or top == "__future__":
            if top in IMPURE_STDLIB:
                return f"the pure {layer} imports {target} (a clock, the network or a loop)"
            return None
        allowed = PURE_THIRD_PARTY | (DOCUMENTS_THIRD_PARTY if layer == "documents" else set())
        if top not in allowed:
            return f"the pure {layer} imports the third-party package {target}"
    return None


def _platform(module: str, platforms: set[str]) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in platforms else None


def violations(root: Path) -> list[Violation]:
    """Every import and clock call in the layers under `root` that breaks a rule."""
    adapters = root / "adapters"
    platforms = {p.name for p in adapters.iterdir() if (p / "__init__.py").is_file()}
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            module = module_name(root, path)
            tree = ast.parse(path.read_text("utf-8"), filename=str(path))
            lines = set()
            for line, target in imports_of(tree, module, path.name == "__init__.py"):
                reason = check_import(module, target, platforms)
                if reason is not None and line not in lines:  # one per import statement
                    lines.add(line)
                    found.append(Violation(module, line, reason))
            if layer in PURE:
                for line, call in clock_calls(tree):
                    found.append(
                        Violation(module, line, f"the pure {layer} reads the clock: {call}")
                    )
    return found


def test_the_layers_keep_their_one_way_imports() -> None:
    found = violations(ROOT)
    assert not found, "\n".join(map(str, found))


def test_every_layer_is_checked() -> None:
    # A renamed or moved package would otherwise be checked by nothing.
    for layer in LAYERS:
        assert (ROOT / layer / "__init__.py").is_file(), layer
    assert {"slack", "teams", "web", "email", "memory"} <= {
        p.name for p in (ROOT / "adapters").iterdir() if (p / "__init__.py").is_file()
    }


def plant(root: Path, files: dict[str, str]) -> Path:
    """A small tree of the five layers (empty packages) with the given modules in it."""
    for layer in LAYERS:
        (root / layer).mkdir(parents=True, exist_ok=True)
        (root / layer / "__init__.py").write_text("")
    for platform in ("slack", "teams", "web"):
        (root / "adapters" / platform).mkdir(exist_ok=True)
        (root / "adapters" / platform / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("conversations/bad.py", "from storage.repository import ReportStore\n", "imports storage"),
        ("conversations/bad.py", "import documents.assembly\n", "imports documents"),
        ("documents/bad.py", "from adapters.slack import blocks\n", "imports adapters"),
        ("documents/bad.py", "import bot.clock\n", "imports bot"),
        ("conversations/bad.py", "import slack_sdk\n", "third-party package slack_sdk"),
        ("conversations/bad.py", "from sqlalchemy import select\n", "third-party"),
        ("documents/bad.py", "from microsoft_agents.hosting.core import X\n", "third-party"),
        ("conversations/bad.py", "import aiohttp\n", "third-party"),
        ("conversations/bad.py", "import stix2\n", "third-party package stix2"),
        ("conversations/bad.py", "import time\n", "imports time"),
        ("conversations/bad.py", "from asyncio import sleep\n", "imports asyncio"),
        (
            "conversations/bad.py",
            "from datetime import datetime, UTC\nNOW = datetime.now(UTC)\n",
            "reads the clock: datetime.now()",
        ),
        ("documents/bad.py", "import datetime\nT = datetime.datetime.utcnow()\n", "utcnow()"),
        ("documents/bad.py", "from datetime import date\nD = date.today()\n", "today()"),
        ("adapters/slack/bad.py", "from storage.inbox import Inbox\n", "adapters imports storage"),
        ("adapters/slack/bad.py", "from adapters.teams import cards\n", "the slack adapter"),
        ("adapters/slack/bad.py", "from adapters import teams\n", "the slack adapter imports"),
        ("adapters/teams/bad.py", "from ..slack import blocks\n", "the teams adapter imports"),
        ("adapters/shared.py", "from adapters.slack.http import X\n", "shared adapter"),
        ("adapters/slack/bad.py", "from bot.settings import Settings\n", "adapters imports bot"),
        ("adapters/web/bad.py", "from storage.repository import X\n", "adapters imports storage"),
        ("adapters/web/bad.py", "from adapters.slack.blocks import X\n", "the web adapter"),
        ("adapters/teams/bad.py", "from adapters.web import hub\n", "the teams adapter imports"),
        ("storage/bad.py", "from bot.clock import utc_now\n", "storage imports bot"),
        ("storage/bad.py", "from adapters.teams.references import user_key\n", "imports adapters"),
        (
            "conversations/bad.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import storage\n",
            "imports storage",
        ),
    ],
)
def test_the_checker_catches_a_planted_bad_import(
    tmp_path: Path, name: str, text: str, reason: str
) -> None:
    found = violations(plant(tmp_path, {name: text}))
    assert [v.module for v in found] == [module_name(tmp_path, tmp_path / name)]
    assert reason in found[0].what


def test_the_checker_lets_the_allowed_imports_pass(tmp_path: Path) -> None:
    allowed = {
        "conversations/ok.py": "from datetime import datetime\nimport pydantic, yaml, re\n"
        "from conversations import events\n\ndef at(now: datetime) -> datetime:\n"
        "    return now.replace(microsecond=0)\n",
        "documents/ok.py": "from conversations.state import ReportState\nimport stix2\n",
        "adapters/intake.py": "from conversations.events import Event\n",
        "adapters/slack/ok.py": "import slack_sdk\nfrom adapters.intake import Delivery\n"
        "from adapters.slack import blocks\nfrom documents import rendering\n",
        "adapters/teams/ok.py": "from . import cards\n"
        "from adapters.safe_json import loads_bounded\n",
        "storage/ok.py": "import sqlalchemy\nfrom datetime import datetime, UTC\n"
        "T = datetime.now(UTC)\n",
        "bot/ok.py": "import storage, adapters.slack, adapters.teams, documents\n",
    }
    assert violations(plant(tmp_path, allowed)) == []


def shared_class_names(root: Path) -> dict[str, list[str]]:
    """Class names defined in more than one module of the layers: a reader (or an import)
    could take one for the other."""
    where: dict[str, list[str]] = {}
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    where.setdefault(node.name, []).append(module_name(root, path))
    return {name: modules for name, modules in where.items() if len(modules) > 1}


def test_no_two_classes_share_a_name() -> None:
    assert shared_class_names(ROOT) == {}


def test_the_name_check_catches_a_planted_twin(tmp_path: Path) -> None:
    root = plant(
        tmp_path,
        {
            "adapters/slack/shapes.py": "class Envelope:\n    pass\n",
            "adapters/teams/message.py": "class Envelope:\n    pass\n",
        },
    )
    assert shared_class_names(root) == {
        "Envelope": ["adapters.slack.shapes", "adapters.teams.message"]
    }
