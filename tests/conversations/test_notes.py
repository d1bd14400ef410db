"""Nothing typed is thrown away (issue 11, rule 6): what a parser does not take is kept as
the contributor's note, acknowledged, and shown in every rendering of the report."""

from __future__ import annotations

from conversations.checklist import default_checklist
from documents.assembly import assemble
from documents.rendering.html import render_html
from documents.rendering.markdown import render_markdown
from documents.rendering.text import render_text
from tests.conversations.harness import ALICE, BOB, Harness, notices


def _report() -> Harness:
    h = Harness(default_checklist())
    h.start()
    return h


def test_a_partly_parsed_technique_answer_keeps_the_rest_as_a_note() -> None:
    h = _report()
    result = h.say(BOB, "8.3: prompt injection, T1059")
    assert notices(result) == [
        "Recorded 8.3 from Bob: T1059 Command and Scripting Interpreter; "
        'kept "prompt injection" as a note (delete or edit your message to change it)'
    ]
    assert h.state is not None
    (contribution,) = h.state.contributions
    assert contribution.note == "prompt injection"
    assert contribution.value == [{"framework": "attack", "id": "T1059"}]


def test_indicators_keep_their_roles_defanged_in_the_report_and_the_email() -> None:
    h = _report()
    result = h.say(ALICE, "2.3: exfil to 203.0.113.7 from evil.example.com")
    assert "kept your words with them as a note" in notices(result)[0]
    assert h.state is not None
    report = assemble(h.state, h.checklist)
    note = "exfil to 203.0.113[.]7 from evil[.]example[.]com"
    assert f"note: {note}" in render_text(report)
    # Markdown escapes the brackets so that they stay literal.
    assert "  - note: exfil to 203.0.113\\[.\\]7 from evil" in render_markdown(report)
    assert "note: exfil to 203.0.113[.]7" in render_html(report)
    assert "203.0.113.7 from" not in render_text(report)


def test_an_answer_parsed_whole_gets_no_note() -> None:
    h = _report()
    h.say(ALICE, "1.3: CVE-2026-12345 and CVE-2026-12346")
    assert h.state is not None
    assert [c.note for c in h.state.contributions] == [None]


def test_an_edit_replaces_the_note() -> None:
    h = _report()
    h.say(BOB, "8.3: prompt injection, T1059", message_id="M1")
    result = h.edit(BOB, "M1", "8.3: T1059 via a poisoned ticket")
    assert h.state is not None
    assert h.state.contributions[0].note == "via a poisoned ticket"
    assert 'kept "via a poisoned ticket" as a note' in notices(result)[0]


def test_an_indicator_written_half_defanged_is_not_kept_again_as_a_note() -> None:
    h = _report()
    h.say(ALICE, "2.6: 198.51.100.23 and c2.evil-example[.]net")
    h.say(BOB, "2.3: exfil to HXXP://evil(.)example[.]com/x from c2[dot]evil-example.net")
    assert h.state is not None
    first, second = h.state.contributions
    # Nothing but the indicators and a joining word: no note.
    assert first.note is None
    # The roles are kept, every indicator in them written defanged whatever the spelling.
    assert second.note == "exfil to hxxp://evil[.]example[.]com/x from c2[.]evil-example[.]net"
