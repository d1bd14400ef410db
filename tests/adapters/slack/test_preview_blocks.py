"""The preview as Block Kit: golden pages, Slack's limits on a long report, literal text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.blocks import action_name
from adapters.slack.preview_blocks import (
    HEADER_MAX,
    MAX_BLOCKS,
    TEXT_MAX,
    fits,
    preview_blocks,
    preview_fallback,
    text_length,
)
from conversations import actions
from documents.assembly import AssembledReport, assemble
from documents.preview import preview_page, preview_pages
from tests.conversations.harness import ALICE, Harness
from tests.documents.demo_report import demo_report
from tests.documents.long_report import every_item_answered
from tests.documents.report_fixture import busy_report
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "<!channel> *bold* _it_ `code` <http://evil.example|click> <@U0ADMIN> &amp;"


def _assembled(built: tuple[Harness, Any]) -> AssembledReport:
    h, state = built
    return assemble(state, h.checklist)


def test_a_demo_report_page_matches_its_golden_file() -> None:
    report = _assembled(demo_report())
    page = preview_page(report, 1, fits)
    assert (page.page, page.pages) == (1, 2)
    check_golden(GOLDEN / "preview_demo_page_1.json", as_json(preview_blocks(page)))


def test_conflicts_settled_values_and_assignees_match_their_golden_file() -> None:
    (page,) = preview_pages(_assembled(busy_report()), fits)
    check_golden(GOLDEN / "preview_conflicts.json", as_json(preview_blocks(page)))


def test_the_tlp_line_comes_first_then_the_title() -> None:
    (page,) = preview_pages(_assembled(busy_report()), fits)
    blocks = preview_blocks(page)
    assert blocks[0]["type"] == "context"
    assert blocks[0]["elements"][0]["text"].startswith("TLP:AMBER — limited disclosure")
    assert blocks[1] == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"Preview: {page.title}", "emoji": False},
    }


@pytest.fixture(scope="module")
def long_report() -> AssembledReport:
    return _assembled(every_item_answered())


def test_a_long_report_paginates_within_slacks_limits(long_report: AssembledReport) -> None:
    pages = preview_pages(long_report, fits)
    assert len(pages) == 4
    shown: list[str] = []
    for page in pages:
        blocks = preview_blocks(page)
        assert len(blocks) <= MAX_BLOCKS
        for block in blocks:
            assert text_length(block) <= TEXT_MAX
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_MAX
            if block["type"] == "context":
                assert len(block["elements"]) <= 10
        shown += [i.number for s in page.sections for i in s.items]
        # Every page says where it is and offers the neighbouring pages.
        assert f"Page {page.page} of 4" in blocks[2]["elements"][0]["text"]
        (navigation,) = [b for b in blocks if b["type"] == "actions"]
        values = [e["value"] for e in navigation["elements"]]
        expected = [n for n in (page.page - 1, page.page + 1) if 1 <= n <= 4]
        assert values == [f"{long_report.report_id}:{n}" for n in expected]
        ids = [e["action_id"] for e in navigation["elements"]]
        assert len(set(ids)) == len(ids)  # Slack wants them unique in a message
        assert {action_name(i) for i in ids} == {actions.PREVIEW_PAGE}
    assert len(shown) == len(set(shown)) == 69


def test_many_iocs_are_cut_and_say_how_much_is_left_for_the_e_mail(
    long_report: AssembledReport,
) -> None:
    page = preview_page(long_report, 1, fits)
    iocs = next(i for s in page.sections for i in s.items if i.number == "2.3")
    (value,) = iocs.values
    assert value.omitted > 0
    blocks = json.dumps(preview_blocks(page))
    assert f"{value.omitted} more characters in the e-mail" in blocks


def test_everything_typed_stays_literal() -> None:
    h = Harness()
    h.start(title=HOSTILE)
    h.say(ALICE, "amber")
    h.say(ALICE, f"0.2: {HOSTILE}")
    (page,) = preview_pages(_assembled((h, h.state)), fits)
    blocks = preview_blocks(page)
    texts = json.dumps(blocks)
    assert "mrkdwn" not in texts
    assert all(b["type"] in {"context", "header", "rich_text", "actions"} for b in blocks)
    value = next(
        e
        for b in blocks
        if b["type"] == "rich_text"
        for s in b["elements"]
        for e in s["elements"]
        if e.get("text") == HOSTILE
    )
    assert value == {"type": "text", "text": HOSTILE}
    fallback = preview_fallback(page)
    assert "<" not in fallback
    assert "&lt;!channel&gt;" in fallback
