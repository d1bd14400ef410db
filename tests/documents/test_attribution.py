"""What the report documents say about who gave an answer (issue 11, rules 6 and 10): a channel
message added with "Add to JCDC report" names who added it, and a contributor's note is shown
even where the answers conflict and are listed by value."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml

from conversations.checklist import Checklist, default_checklist, parse_checklist
from documents.assembly import AssembledReport, assemble
from documents.rendering.html import render_html
from documents.rendering.json import render_json
from documents.rendering.markdown import render_markdown
from documents.rendering.text import render_text
from documents.stix import render_stix
from tests.conversations.harness import ALICE, BOB, CAROL, DANA, Harness

RENDERINGS: dict[str, Callable[[AssembledReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
}


def _added_by_bob() -> AssembledReport:
    h = Harness(default_checklist())
    h.start()
    h.feed(h.events.shortcut_submit(BOB, CAROL, "M1", "description.cves", "CVE-2026-12345"))
    h.say(DANA, "1.3: CVE-2026-12346")
    assert h.state is not None
    return assemble(h.state, h.checklist)


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_an_added_message_names_its_author_and_who_added_it(name: str) -> None:
    rendered = RENDERINGS[name](_added_by_bob())
    assert "Carol, " in rendered
    assert "added by Bob" in rendered
    # Only the added answer says so: Dana's own answer has no "added by".
    assert rendered.count("added by") == 1


def test_the_json_carries_who_added_it() -> None:
    report = _added_by_bob()
    item = report.item("description.cves")
    assert item is not None
    assert [(e.author, e.added_by) for e in item.entries] == [(CAROL, BOB), (DANA, None)]
    assert '"added_by": {\n' in render_json(report)


def _single_valued_cves() -> Checklist:
    """The packaged checklist with 1.3 taking one answer: its answers can conflict."""
    raw = default_checklist().model_dump(mode="json", exclude_none=True)
    for section in raw["sections"]:
        for item in section["items"]:
            if item["id"] == "description.cves":
                item["multiple"] = False
    return parse_checklist(yaml.safe_load(yaml.safe_dump(raw)))


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_notes_are_shown_with_conflicting_answers(name: str) -> None:
    h = Harness(_single_valued_cves())
    h.start()
    h.say(ALICE, "1.3: CVE-2026-12345 in the ticketing plugin")
    h.say(BOB, "1.3: CVE-2026-99999 per the vendor advisory")
    assert h.state is not None
    report = assemble(h.state, h.checklist)
    item = report.item("description.cves")
    assert item is not None
    assert item.status.value == "conflict"
    rendered = RENDERINGS[name](report)
    assert "note from Alice: in the ticketing plugin" in rendered
    assert "note from Bob: per the vendor advisory" in rendered


def _stix_notes(attribution: str) -> dict[str, str]:
    h = Harness(default_checklist())
    h.start()
    h.say(ALICE, "amber")
    h.say(ALICE, f"0.2: {attribution}")
    h.feed(
        h.events.shortcut_submit(
            BOB, CAROL, "M1", "description.cves", "CVE-2026-12345 in the ticketing plugin"
        )
    )
    assert h.state is not None
    found = json.loads(render_stix(assemble(h.state, h.checklist)))["objects"]
    return {o["authors"][0]: o["content"] for o in found if o["type"] == "note"}


def test_the_stix_note_of_a_contributor_keeps_their_words_and_who_added_them() -> None:
    notes = _stix_notes("ask first")
    assert "CVE-2026-12345" in notes["Carol"]
    assert ", added by Bob)" in notes["Carol"]
    assert notes["Carol"].endswith("— note: in the ticketing plugin")


def test_an_anonymous_stix_note_names_whoever_added_it_by_no_name() -> None:
    notes = _stix_notes("anonymous")
    (carol,) = [text for text in notes.values() if "CVE-2026-12345" in text]
    assert "added by a teammate)" in carol
    assert not any("Bob" in text or "Carol" in text for text in notes.values())
