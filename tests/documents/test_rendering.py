"""Golden files for every rendering. Regenerate with UPDATE_GOLDEN=1 after a deliberate change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from documents.assembly import AssembledReport, assemble
from documents.rendering import render_html, render_json, render_markdown, render_text
from tests.documents.report_fixture import busy_report
from tests.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def report() -> AssembledReport:
    h, state = busy_report()
    return assemble(state, h.checklist)


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("busy_report.md", render_markdown),
        ("busy_report.txt", render_text),
        ("busy_report.json", render_json),
    ],
)
def test_rendering_matches_golden_file(
    report: AssembledReport, name: str, render: Callable[[AssembledReport], str]
) -> None:
    check_golden(GOLDEN / name, render(report))


def test_markdown_escapes_what_responders_typed(report: AssembledReport) -> None:
    markdown = render_markdown(report)
    assert "[security](http://phish.example)" not in markdown
    assert "\\[security\\]\\(http://phish.example\\)" in markdown
    assert "<support>" not in markdown
    assert "\\*urgent\\*" in markdown


def test_tlp_label_heads_and_closes_every_document(report: AssembledReport) -> None:
    for rendered in (render_markdown(report), render_text(report)):
        lines = rendered.strip().splitlines()
        assert "TLP:AMBER" in lines[0]
        assert "TLP:AMBER" in lines[-1]


def test_json_rendering_parses_back_to_the_same_report(report: AssembledReport) -> None:
    parsed = AssembledReport.model_validate(json.loads(render_json(report)))
    assert parsed == report


def test_html_escapes_everything_responders_typed(report: AssembledReport) -> None:
    html = render_html(report)
    assert "<support>" not in html
    assert "&lt;support&gt;" in html
    assert "<a " not in html
    assert html.count("TLP:AMBER</span>") == 2  # before the content and at the end
