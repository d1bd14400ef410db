"""Golden files for every rendering. Regenerate with UPDATE_GOLDEN=1 after a deliberate change."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conversations.checklist import default_checklist
from conversations.state import Actor, ReportStatus
from documents.assembly import AssembledReport, assemble
from documents.rendering import render_html, render_json, render_markdown, render_text
from documents.rendering.common import status_phrase
from documents.rendering.markdown import escape
from tests.conversations.harness import Harness
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
    assert "\\[security\\](http://phish.example)" in markdown
    assert "\\<support>" in markdown
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


def _as_read(markdown: str) -> tuple[str, str]:
    """The HTML a CommonMark viewer (with GFM tables and strikethrough) makes of `markdown`,
    and the text a reader sees in it."""
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    text = unescape(re.sub(r"<[^>]+>", "", html.replace("<br />\n", "\n")))
    return html, text.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "Alice Moreno (IR lead)",
        "*bold* and _em_ and __strong__ and `code` and ~~gone~~",
        "# not a heading",
        "### nor this",
        "> not a quote",
        "- not a list\n+ nor this\n1. nor this",
        "see [docs](http://phish.example) and ![img](http://x.example/a.png)",
        "<script>alert(1)</script> <b>bold</b> <http://auto.example>",
        "a | b\n--- | ---\nc | d",
        "Title\n===",
        "Title\n---",
        "&lt;tag&gt; &#65; &amp;",
        "C:\\temp\\new and 5 * 3 = 15 (approx.) #1 a_b_c",
    ],
)
def test_markdown_escape_neutralises_markup_and_shows_exactly_what_was_typed(typed: str) -> None:
    html, seen = _as_read(escape(typed))
    for tag in ("<em", "<strong", "<code", "<a ", "<img", "<h1", "<h2", "<h3", "<blockquote"):
        assert tag not in html, (typed, html)
    for tag in ("<ul", "<ol", "<li", "<table", "<s>", "<del", "<script", "<b>", "<hr"):
        assert tag not in html, (typed, html)
    assert seen == typed


def test_markdown_escapes_only_what_markdown_needs() -> None:
    assert escape("Alice Moreno (IR lead)") == "Alice Moreno (IR lead)"
    assert escape("Wait! Issue #42 > 3 items") == "Wait! Issue #42 > 3 items"
    assert escape("*x*") == "\\*x\\*"
    assert escape("# x") == "\\# x"


def test_tlp_line_reads_as_first_writes_it(report: AssembledReport) -> None:
    expected = "TLP:AMBER — limited disclosure: recipients may share it only within"
    for rendered in (render_markdown(report), render_text(report), render_html(report)):
        assert expected in rendered or "</span> — limited disclosure: recipients" in rendered
        assert "TLP:AMBER:" not in rendered


@pytest.mark.parametrize("status", list(ReportStatus))
def test_documents_name_no_internal_state(report: AssembledReport, status: ReportStatus) -> None:
    shown = report.model_copy(update={"status": status.value})
    for rendered in (render_markdown(shown), render_text(shown), render_html(shown)):
        assert f"Status: {status_phrase(status.value)}" in rendered
        assert f"Status: {status.value}" not in rendered
        assert "submit_requested" not in rendered


def test_unanswered_items_show_their_questions_essentials_first_by_section() -> None:
    h = Harness(checklist=default_checklist())
    h.start("Quiet report", lead=Actor(id="U-A", name="Alice"))
    h.say(Actor(id="U-A", name="Alice"), "0.1: amber")
    assert h.state is not None
    report = assemble(h.state, h.checklist)
    essentials = [i for s in report.sections for i in s.items if i.essential and not i.value]
    others = [i for s in report.sections for i in s.items if not i.essential and not i.value]
    assert essentials
    assert others
    for rendered in (render_markdown(report), render_text(report), render_html(report)):
        first = rendered.index("Essential items not yet answered")
        rest = rendered.index("Other items not yet answered")
        assert first < rest
        for item in essentials:
            assert first < rendered.index(f"{item.number} {item.question[:20]}") < rest
        for item in others:
            assert rest < rendered.index(f"{item.number} {item.question[:20]}")
        # Grouped by section: each section's heading precedes its own items in each block.
        section = report.sections[1]
        heading = f"{section.number}. {section.title}"
        assert first < rendered.index(heading, first) < rest
