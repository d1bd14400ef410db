"""The preview as an Adaptive Card: a golden page, Teams' size limit on a long report, and
literal text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.cards import about_report, addressed_to, with_thread_link
from adapters.teams.preview_card import (
    CARD_MAX_BYTES,
    card_bytes,
    fits,
    preview_activity,
    preview_card,
)
from conversations import actions
from documents.assembly import AssembledReport, assemble
from documents.preview import preview_page, preview_pages
from tests.adapters.teams.test_cards import HOSTILE, texts_outside_text_runs, walk
from tests.conversations.harness import ALICE, Harness
from tests.documents.long_report import every_item_answered
from tests.documents.report_fixture import busy_report
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"
# What Teams accepts in one message, envelope included.
TEAMS_MESSAGE_MAX = 28_000


def _assembled(built: tuple[Harness, Any]) -> AssembledReport:
    h, state = built
    return assemble(state, h.checklist)


def test_a_preview_page_matches_its_golden_file() -> None:
    (page,) = preview_pages(_assembled(busy_report()), fits)
    check_golden(GOLDEN / "preview_card.json", as_json(preview_card(page)))


@pytest.fixture(scope="module")
def long_report() -> AssembledReport:
    return _assembled(every_item_answered())


def test_a_long_report_paginates_within_teams_size_limit(long_report: AssembledReport) -> None:
    pages = preview_pages(long_report, fits)
    assert len(pages) == 3
    shown: list[str] = []
    for page in pages:
        activity = preview_activity(page)
        # The largest it gets: named, linked back to the thread, and addressed in a thread.
        wrapped = addressed_to("Alice", with_thread_link(about_report("#1 Title", activity), "x"))
        assert card_bytes(preview_card(page)) <= CARD_MAX_BYTES
        assert len(json.dumps(wrapped).encode()) < TEAMS_MESSAGE_MAX
        content = activity["attachments"][0]["content"]
        submits = [a for a in content.get("actions", []) if a["type"] == "Action.Submit"]
        expected = [n for n in (page.page - 1, page.page + 1) if 1 <= n <= 3]
        assert [a["data"]["value"] for a in submits] == [
            f"{long_report.report_id}:{n}" for n in expected
        ]
        assert {a["data"]["action"] for a in submits} == {actions.PREVIEW_PAGE}
        assert all(a["data"]["report_id"] == long_report.report_id for a in submits)
        facts = next(e for e in content["body"] if e["type"] == "FactSet")["facts"]
        assert {"title": "Page", "value": f"{page.page} of 3"} in facts
        shown += [i.number for s in page.sections for i in s.items]
    assert len(shown) == len(set(shown)) == 69


def test_everything_typed_stays_literal() -> None:
    h = Harness()
    h.start(title=HOSTILE)
    h.say(ALICE, "amber")
    h.say(ALICE, f"0.2: {HOSTILE}")
    (page,) = preview_pages(_assembled((h, h.state)), fits)
    content = preview_card(page)
    # Only the bot's own counts are in the FactSet; nothing else is read as Markdown.
    assert [t for t in texts_outside_text_runs(content) if HOSTILE in t] == []
    runs = [e for e in walk(content) if e.get("type") == "TextRun" and e["text"] == HOSTILE]
    assert len(runs) == 2  # the title and the answer
    assert "msteams" in content
    assert "entities" not in content["msteams"]  # nothing can ping


def test_the_tlp_label_opens_the_card_colored() -> None:
    page = preview_page(_assembled(busy_report()), 1, fits)
    first = preview_card(page)["body"][0]["inlines"]
    assert first[0] == {
        "type": "TextRun",
        "text": "TLP:AMBER",
        "weight": "Bolder",
        "fontType": "Monospace",
        "color": "Warning",
    }
    assert first[1]["text"].startswith(" — limited disclosure")
