"""The Agents SDK stays behind one module: only adapters/teams/framework.py imports it (and the
benchmark's baseline echo bot, which is the SDK itself), and botbuilder is gone everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SDK = "microsoft_agents"
GONE = ("botbuilder", "botframework", "msrest")
ALLOWED = {Path("adapters/teams/framework.py"), Path("benchmarks/agents_echo.py")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for top in (
            "adapters",
            "bot",
            "conversations",
            "documents",
            "storage",
            "tests",
            "benchmarks",
            "scripts",
        )
        if (ROOT / top).is_dir()
        for path in sorted((ROOT / top).rglob("*.py"))
    ]


def test_only_the_framework_module_imports_the_sdk() -> None:
    importers = {
        path
        for path in _sources()
        if any(name.split(".")[0] == SDK for name in _imports(ROOT / path))
    }
    assert importers == ALLOWED


def test_botbuilder_is_gone() -> None:
    for path in _sources():
        roots = {name.split(".")[0] for name in _imports(ROOT / path)}
        assert not roots & set(GONE), path
