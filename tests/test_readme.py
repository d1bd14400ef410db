"""README.md as a reader sees it rendered: every table parses as a table, and every link stays
inside the repository."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _tokens(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def _stray_table_rows(text: str) -> list[int]:
    """Line numbers (1-based) of `|` rows that a renderer does not put in any table (a blank
    line or a missing header separator shows them as raw text)."""
    covered: set[int] = set()
    for token in _tokens(text):
        if token.map is not None and token.type in ("table_open", "fence", "code_block"):
            covered.update(range(token.map[0], token.map[1]))
    return [
        number + 1
        for number, line in enumerate(text.splitlines())
        if line.startswith("|") and number not in covered
    ]


def _links(tokens: list[Token]) -> list[str]:
    found = []
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
            elif child.type == "image":
                found.append(str(child.attrs["src"]))
    return found


def test_every_readme_table_row_renders_inside_a_table() -> None:
    assert _stray_table_rows(README.read_text("utf-8")) == []


def test_the_table_check_catches_a_row_cut_off_by_a_blank_line() -> None:
    table = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n| 3 | 4 |\n"
    assert _stray_table_rows(table) == [5]
    assert _stray_table_rows(table.replace("\n\n", "\n")) == []


def test_readme_links_nothing_outside_the_repository() -> None:
    text = README.read_text("utf-8")
    for href in _links(_tokens(text)):
        if urlparse(href).scheme:
            continue
        target = (ROOT / href.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), href
        assert target.exists(), href
    # Paths written as code count too: a reader follows them just the same.
    outside = re.findall(r"`(\.\./[^`]*|/work/[^`]*)`", text)
    assert outside == []


def test_the_link_check_sees_links_and_images() -> None:
    assert _links(_tokens("[x](../shared/DESIGN.md) ![y](docs/a.png)")) == [
        "../shared/DESIGN.md",
        "docs/a.png",
    ]
