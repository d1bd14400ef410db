""" "Add to JCDC report" on a channel message: the form it opens (which report, which item)
and what its submission records (the message's author, and who added it)."""

from __future__ import annotations

from conversations import actions
from conversations.checklist import AnswerKind, default_checklist
from conversations.effects import Button, Ephemeral, OpenShortcutForm, Post
from conversations.engine import Step, step
from conversations.richtext import to_plain
from conversations.shortcut import SHORTCUT_TEXT_MAX
from conversations.state import ReportChoice
from tests.conversations.harness import ALICE, BOB, CAROL, DANA, EVE, T0, Harness

MESSAGE = "1712345678.000100"


def _form(h: Harness, text: str = "CVE-2024-3094 was used") -> OpenShortcutForm:
    result = h.feed(h.events.shortcut(BOB, CAROL, MESSAGE, text, trigger="T1"))
    (opened,) = [e for e in result.effects if isinstance(e, OpenShortcutForm)]
    return opened


def test_the_form_offers_the_only_open_report_and_the_messages_text() -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    opened = _form(h)
    assert opened.user == BOB
    assert opened.trigger == "T1"
    assert [(c.value, c.label) for c in opened.form.reports] == [
        (h.state.id, f"#{h.state.number} {h.state.title}"[:75])
        if h.state.number is not None
        else (h.state.id, h.state.title)
    ]
    assert opened.form.text == "CVE-2024-3094 was used"
    assert opened.form.author == CAROL
    assert opened.form.message_id == MESSAGE
    # The TLP is the lead's: never offered.
    assert "handling.tlp" not in [c.value for c in opened.form.items]


def test_the_form_lists_essentials_first() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    items = [c.value for c in _form(h).form.items]
    order = [i.id for i in h.checklist.asking_order() if i.kind is not AnswerKind.TLP]
    assert items == order
    essentials = [i.id for i in h.checklist.items() if i.essential and i.kind is not AnswerKind.TLP]
    assert essentials
    assert items[: len(essentials)] == essentials


def test_with_several_open_reports_the_form_asks_which() -> None:
    h = Harness()
    choices = (
        ReportChoice(id="r2", number=2, title="Second", lead=ALICE),
        ReportChoice(id="r1", number=1, title="First", lead=ALICE),
    )
    event = h.events.shortcut(BOB, CAROL, MESSAGE, "text")
    result = step(None, event, h.checklist, T0, open_reports=choices)
    assert result.state is None
    (opened,) = [e for e in result.effects if isinstance(e, OpenShortcutForm)]
    assert [(c.value, c.label) for c in opened.form.reports] == [
        ("r1", "#1 First"),
        ("r2", "#2 Second"),
    ]


def test_with_no_open_report_it_says_so_privately() -> None:
    h = Harness()
    result = h.feed(h.events.shortcut(BOB, CAROL, MESSAGE, "text"))
    (notice,) = result.effects
    assert isinstance(notice, Ephemeral)
    assert notice.user == BOB
    assert "no open JCDC report" in to_plain(notice.text)


def test_a_long_message_is_offered_cut_to_what_the_form_holds() -> None:
    h = Harness()
    h.start()
    assert len(_form(h, "x" * (SHORTCUT_TEXT_MAX + 500)).form.text) == SHORTCUT_TEXT_MAX


def test_a_submission_is_the_authors_answer_added_by_the_submitter() -> None:
    h = Harness()
    h.start()
    result = h.feed(
        h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "CVE-2024-3094")
    )
    assert h.state is not None
    (added,) = [c for c in h.state.contributions if c.item_id == "description.cves"]
    assert added.author == CAROL
    assert added.added_by == BOB
    assert added.via == "shortcut"
    assert added.source_message_id == MESSAGE
    assert added.value == ["CVE-2024-3094"]
    (entry,) = [a for a in result.audit if a.action == "answer_recorded"]
    assert entry.actor == BOB
    assert entry.detail["author"] == CAROL.id
    assert entry.detail["via"] == "shortcut"
    (post,) = [e for e in result.effects if isinstance(e, Post)]
    assert "from Carol (added by Bob)" in to_plain(post.text)


def test_the_same_message_twice_on_the_same_item_changes_nothing() -> None:
    h = Harness()
    h.start()
    h.feed(h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "CVE-2024-3094"))
    before = h.state
    result = h.feed(
        h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "CVE-2024-3094")
    )
    assert h.state == before
    assert result.audit == ()


def test_a_stranger_from_another_workspace_is_refused() -> None:
    h = Harness()
    h.start()
    before = h.state
    result = h.feed(
        h.events.shortcut_submit(
            EVE, CAROL, MESSAGE, "description.cves", "CVE-2024-3094", origin=("test", "W2")
        )
    )
    assert h.state == before
    assert result.audit == ()
    (notice,) = result.effects
    assert isinstance(notice, Ephemeral)
    assert notice.user == EVE
    assert "another workspace" in to_plain(notice.text)


def test_bad_submissions_are_refused_privately_and_change_nothing() -> None:
    h = Harness()
    h.start()
    before = h.state
    for item_id, text in (
        ("no.such.item", "text"),
        ("handling.tlp", "red"),  # forged: the form never offers the marking
        ("description.cves", "   "),
        ("description.cves", "CVE-2024-3094 " * 300),  # over what the form holds
        ("detection.users", "lots"),  # not a number
    ):
        result = h.feed(h.events.shortcut_submit(BOB, CAROL, MESSAGE, item_id, text))
        assert h.state == before, item_id
        (notice,) = result.effects
        assert isinstance(notice, Ephemeral), item_id
        assert notice.user == BOB, item_id


def test_a_submission_for_a_report_that_is_gone_says_so() -> None:
    h = Harness()
    event = h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "x", "gone")
    result = step(None, event, h.checklist, T0)
    assert result.state is None
    (notice,) = result.effects
    assert isinstance(notice, Ephemeral)
    assert "nothing was added" in to_plain(notice.text)


def _undo(result: Step) -> Button:
    (post,) = [e for e in result.effects if isinstance(e, Post)]
    (undo,) = [b for b in post.buttons if b.action == actions.UNDO]
    return undo


def _active(h: Harness) -> list[str]:
    assert h.state is not None
    return [c.raw for c in h.state.contributions if c.item_id == "description.cves" and c.active]


def test_a_message_added_to_the_report_is_undone_in_one_click_by_its_author() -> None:
    h = Harness()
    h.start()
    added = h.feed(
        h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "CVE-2024-3094")
    )
    undone = h.press(CAROL, actions.UNDO, _undo(added).value)
    assert _active(h) == []
    (post,) = [e for e in undone.effects if isinstance(e, Post)]
    number = h.checklist.item("description.cves").number
    assert f"Carol's answer to {number} was withdrawn (undone by Carol)" in to_plain(post.text)


def test_whoever_added_it_and_the_lead_may_undo_it_nobody_else() -> None:
    for undoer in (BOB, ALICE):
        h = Harness()
        h.start()
        added = h.feed(
            h.events.shortcut_submit(BOB, CAROL, MESSAGE, "description.cves", "CVE-2024-3094")
        )
        refused = h.press(DANA, actions.UNDO, _undo(added).value)
        (notice,) = [e for e in refused.effects if isinstance(e, Ephemeral)]
        assert "can undo it" in to_plain(notice.text)
        assert _active(h) == ["CVE-2024-3094"]
        h.press(undoer, actions.UNDO, _undo(added).value)
        assert _active(h) == [], undoer
