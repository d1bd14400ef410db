"""Transcript tests for the pure engine: send events, expect state, posts and notices."""

from __future__ import annotations

import pytest

from conversations import actions
from conversations.effects import (
    Ephemeral,
    FormRejected,
    OpenForm,
    Post,
    PostRoot,
    ShowPreview,
    SubmitRequested,
    UpdateRoot,
)
from conversations.events import MessagePosted
from conversations.merge import ItemStatus, merge_report
from conversations.policy import Policy
from conversations.richtext import to_plain
from conversations.state import ReportStatus
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    Harness,
    edits,
    key,
    notices,
    posts,
    root_cards,
)


def merged(h: Harness, item_id: str) -> ItemStatus:
    assert h.state is not None
    return merge_report(h.state, h.checklist, "TLP:AMBER").item(item_id).status


# -- starting a report ---------------------------------------------------------------------


def test_new_creates_report_led_by_caller_and_posts_root() -> None:
    h = Harness()
    result = h.command(ALICE, "new Prompt injection in support copilot")
    assert h.state is not None
    assert h.state.title == "Prompt injection in support copilot"
    assert h.state.lead == ALICE
    assert h.state.status is ReportStatus.OPEN
    (root,) = result.effects
    assert isinstance(root, PostRoot)
    assert root.card.title == "Prompt injection in support copilot"
    assert root.card.tlp == "TLP:AMBER"
    assert root.card.lead == ALICE
    assert [(s.number, s.answered, s.total) for s in root.card.sections] == [
        (0, 0, 2),
        (1, 0, 3),
        (2, 0, 2),
    ]
    assert [a.action for a in result.audit] == ["report_created"]


def test_root_posted_opens_thread_and_asks_first_question() -> None:
    h = Harness()
    result = h.start()
    assert h.state is not None
    assert h.state.thread == "ROOT"
    assert h.state.cursor == "handling.tlp"
    # The root message asks the first question, with the welcome: no thread post yet.
    assert posts(result) == []
    (card,) = root_cards(h.created)
    assert card.question is not None
    asked = to_plain(card.question.text)
    assert "Report started by @Alice" in asked
    assert "0.1 Which TLP marking applies?  ·  Handling, 1 of 7" in asked
    # The welcome and the question fit in three lines; the help is behind More.
    assert len(asked.splitlines()) <= 3
    assert [b.label for b in card.question.buttons][-2:] == ["More", "Answer section 0 in a form"]


def test_root_posted_twice_changes_nothing() -> None:
    h = Harness()
    h.start()
    before = h.state
    from conversations.events import RootPosted

    assert before is not None
    replay = h.feed(
        RootPosted(
            event_id="root",
            platform="test",
            channel="C1",
            actor=ALICE,
            report_id=before.id,
            message_id="OTHER",
        )
    )
    assert replay.state == before
    assert replay.effects == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new", "Give the report a title"),
        ("new " + "x" * 151, "at most 150 characters"),
        ("new Leak\x00", "NUL character"),
    ],
)
def test_new_rejects_bad_titles(text: str, expected: str) -> None:
    h = Harness()
    result = h.command(ALICE, text)
    assert h.state is None
    assert expected in notices(result)[0]


def test_report_ids_are_deterministic_per_event() -> None:
    one, two = Harness(), Harness()
    one.command(ALICE, "new A")
    two.command(ALICE, "new A")
    assert one.state is not None
    assert two.state is not None
    assert one.state.id == two.state.id


# -- guided mode ------------------------------------------------------------------------------


def test_guided_reply_is_recorded_with_author_and_next_question_asked() -> None:
    h = Harness()
    h.start()
    result = h.say(ALICE, "amber+strict")
    # The root asked it: Alice hears privately what was recorded; the next question is the
    # one new post.
    assert edits(result) == []
    assert "Recorded 0.1 from Alice: TLP:AMBER+STRICT" in notices(result)[0]
    (post,) = posts(result)
    assert post.startswith("0.2 Which organisation reports?  ·  Handling")
    assert h.state is not None
    assert h.state.cursor == "handling.org"
    (contribution,) = h.state.contributions
    assert (contribution.author, contribution.via, contribution.raw) == (
        ALICE,
        "guided",
        "amber+strict",
    )
    root_updates = [e for e in result.effects if isinstance(e, UpdateRoot)]
    assert root_updates[0].card.tlp == "TLP:AMBER+STRICT"
    assert root_updates[0].card.answered == 1


def test_invalid_answer_is_explained_and_not_recorded() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "skip")  # 0.1
    h.say(BOB, "Example Corp")  # 0.2
    before = h.state
    result = h.say(BOB, "a banana")  # 1.1 is a choice
    assert h.state == before
    (notice,) = notices(result)
    assert notice.startswith("1.1: ")
    assert "Nothing was recorded." in notice
    assert posts(result) == []


def test_only_lead_sets_tlp() -> None:
    h = Harness()
    h.start()
    result = h.say(BOB, "red")
    assert h.state is not None
    assert h.state.contributions == ()
    assert "Only the lead (Alice)" in notices(result)[0]
    assert h.state.cursor == "handling.tlp"


def test_skip_back_next_later_resume() -> None:
    h = Harness()
    h.start()
    result = h.say(ALICE, "skip")
    assert h.state is not None
    assert h.state.skipped == ("handling.tlp",)
    # The root asked 0.1 and stays the summary: the skip is said with the next question.
    assert edits(result) == []
    (post,) = posts(result)
    assert post.startswith("Skipped 0.1.\n0.2 ")
    (card,) = root_cards(result)
    assert card.question is None
    assert h.state.cursor == "handling.org"

    h.say(BOB, "next")
    assert h.state.cursor == "description.event_type"

    result = h.say(BOB, "back")
    assert h.state.cursor == "handling.org"
    assert "Back to 0.2 (so far: no answer yet)" in posts(result)[0]

    h.say(BOB, "later")
    assert h.state.guiding is False
    ignored = h.say(BOB, "just chatting while paused")
    assert ignored.effects == ()
    assert ignored.state == h.state

    result = h.say(BOB, "resume")
    assert h.state.guiding is True
    assert "0.2 Which organisation reports?  ·  Handling" in posts(result)[0]


def test_back_with_nothing_earlier_is_explained() -> None:
    h = Harness()
    h.start()
    assert "no earlier question" in notices(h.say(BOB, "back"))[0]


def test_skipped_items_come_back_when_answered_and_all_done_message() -> None:
    h = Harness()
    h.start()
    for text in [
        "skip",
        "Example Corp",
        "incident",
        "CVE-2024-3094",
        "confirmed",
        "1.2.3[.]4",
        "about 1,200",
    ]:
        h.say(ALICE, text)
    assert h.state is not None
    assert h.state.cursor is None
    assert "That was the last open question" in posts(h.last)[0]
    assert "6 of 7 answered, 1 skipped" in posts(h.last)[0]
    h.say(ALICE, "0.1: green")
    assert h.state.skipped == ()


def test_side_remarks_are_ignored() -> None:
    h = Harness()
    h.start()
    result = h.say(BOB, "// is this about the copilot?")
    assert result.effects == ()
    assert result.audit == ()


# -- direct answers, several responders ---------------------------------------------------------


def test_direct_answer_from_anywhere_keeps_the_cursor() -> None:
    h = Harness()
    h.start()
    result = h.say(BOB, "2.1: hxxp://evil[.]example[.]com/x and 203.0.113[.]7")
    assert h.state is not None
    assert h.state.cursor == "handling.tlp"
    # 2.1 was never asked in the thread: no post, only Bob hears what was recorded.
    assert posts(result) == []
    assert edits(result) == []
    (notice,) = notices(result)
    assert "Recorded 2.1 from Bob" in notice
    assert "hxxp://evil[.]example[.]com/x" in notice  # shown defanged in chat
    assert h.state.contributions[0].via == "direct"


def test_direct_answer_to_unknown_item_is_explained() -> None:
    h = Harness()
    h.start()
    result = h.say(BOB, "9.9: something")
    assert "There is no item 9.9" in notices(result)[0]
    assert h.state is not None
    assert h.state.contributions == ()


def test_accumulating_items_keep_everyones_values() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "2.1: 203.0.113.7")
    h.say(CAROL, "2.1: 198.51.100.23, 203.0.113.7")
    assert merged(h, "detection.iocs") is ItemStatus.ANSWERED
    assert h.state is not None
    merge = merge_report(h.state, h.checklist, "TLP:AMBER").item("detection.iocs")
    assert merge.value == [
        {"type": "ipv4", "value": "203.0.113.7"},
        {"type": "ipv4", "value": "198.51.100.23"},
    ]
    assert merge.contributors == (BOB, CAROL)


def test_conflict_is_flagged_resolved_by_lead_and_reopened_by_a_new_value() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.3: confirmed")
    result = h.say(CAROL, "1.3: speculative")
    assert "Conflicting answers for 1.3" in posts(result)[0]
    assert merged(h, "description.confidence") is ItemStatus.CONFLICT
    root = next(e for e in result.effects if isinstance(e, UpdateRoot))
    assert root.card.open_conflicts == ("1.3",)

    refused = h.command(BOB, "resolve 1.3 1")
    assert "Only the lead (Alice)" in notices(refused)[0]
    assert merged(h, "description.confidence") is ItemStatus.CONFLICT

    result = h.command(ALICE, "resolve 1.3 2")
    assert "Alice settled 1.3: speculative" in posts(result)[0]
    assert merged(h, "description.confidence") is ItemStatus.ANSWERED
    assert h.active_values("description.confidence") == ["confirmed", "speculative"]

    h.say(DANA, "1.3: unverified")
    assert merged(h, "description.confidence") is ItemStatus.CONFLICT


def test_resolve_errors() -> None:
    h = Harness()
    h.start()
    assert "has no open conflict" in notices(h.command(ALICE, "resolve 1.3 1"))[0]
    assert "Use /jcdc resolve" in notices(h.command(ALICE, "resolve"))[0].replace("`", "")
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    assert "from 1 to 2" in notices(h.command(ALICE, "resolve 1.3 7"))[0]
    result = h.command(ALICE, "resolve 1.3 unverified")
    assert "settled 1.3: unverified" in posts(result)[0]


def test_same_person_changing_a_single_answer_replaces_it() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.3: confirmed")
    h.say(BOB, "1.3: speculative")
    assert h.active_values("description.confidence") == ["speculative"]
    assert merged(h, "description.confidence") is ItemStatus.ANSWERED
    assert h.state is not None
    assert h.state.contributions[0].retracted_reason == "superseded"


def test_repeating_the_same_answer_changes_nothing() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.2: CVE-2024-3094")
    before = h.state
    result = h.say(BOB, "1.2: cve-2024-3094")
    assert h.state == before
    assert "already gave that answer" in notices(result)[0]


# -- edits and deletions ------------------------------------------------------------------------


def test_edit_updates_the_contribution() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "2.1: 198.51.100.23", message_id="M1")
    result = h.edit(CAROL, "M1", "2.1: 198.51.100.24")
    assert h.active_values("detection.iocs") == [[{"type": "ipv4", "value": "198.51.100.24"}]]
    assert h.state is not None
    assert h.state.contributions[0].edited_at is not None
    assert h.state.contributions[0].raw == "198.51.100.24"
    # 2.1 was never asked in the thread: Carol is told, nobody else notified.
    assert posts(result) == []
    assert "Carol edited 2.1" in notices(result)[0]


def test_an_edit_of_an_answer_to_an_asked_question_rewrites_that_question() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")  # 0.1; 0.2 is asked
    h.say(BOB, "Example Corp", message_id="M-BOB")
    result = h.edit(BOB, "M-BOB", "Example Corp, AI team")
    assert posts(result) == []
    assert edits(result) == ["\u2713 0.2 Which organisation reports? — Example Corp, AI team (Bob)"]
    deleted = h.delete(BOB, "M-BOB")
    assert posts(deleted) == []
    (shown,) = edits(deleted)
    assert "Bob's answer to 0.2 was withdrawn (message deleted)." in shown


def test_invalid_edit_keeps_the_earlier_answer() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "2.2: 1200", message_id="M1")
    before = h.state
    result = h.edit(CAROL, "M1", "2.2: lots")
    assert h.state == before
    assert "The earlier answer stays" in notices(result)[0]


def test_edit_can_move_an_answer_to_another_item() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "1.2: CVE-2024-3094", message_id="M1")
    h.edit(CAROL, "M1", "2.1: 203.0.113.9")
    assert h.active_values("description.cves") == []
    assert h.active_values("detection.iocs") == [[{"type": "ipv4", "value": "203.0.113.9"}]]


def test_edits_of_messages_that_were_not_answers_are_ignored() -> None:
    h = Harness()
    h.start()
    result = h.edit(CAROL, "UNKNOWN", "2.1: 203.0.113.9")
    assert result.effects == ()
    assert result.state == h.state


def test_delete_retracts_the_contribution() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.2: CVE-2024-3094", message_id="M1")
    result = h.delete(BOB, "M1")
    assert h.active_values("description.cves") == []
    assert h.state is not None
    assert h.state.contributions[0].retracted_reason == "deleted"
    assert "Bob's answer to 1.2 was withdrawn" in posts(result)[0]
    assert [a.action for a in result.audit] == ["answer_retracted"]


# -- commands -------------------------------------------------------------------------------


def test_status_lists_progress_contributors_and_conflicts() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    (notice,) = notices(h.command(CAROL, "status"))
    assert "2 of 7 answered, 0 skipped, 1 open conflict(s)." in notice
    assert "0 Handling: 1/2 — Alice: 0.1" in notice
    assert "1 Description: 1/3 — Bob: 1.3; Carol: 1.3" in notice
    assert "Open conflicts: 1.3" in notice


def test_assign_hands_a_section_to_someone() -> None:
    h = Harness()
    h.start()
    result = h.command(ALICE, "assign 2 <@U_DANA>", mentions=(DANA,))
    assert h.state is not None
    (assignment,) = h.state.assignments
    assert (assignment.section_id, assignment.assignee, assignment.by) == ("detection", DANA, ALICE)
    assert "@Dana, Alice handed you section 2 — Detection." in posts(result)[0]
    post = next(e for e in result.effects if isinstance(e, Post))
    assert post.buttons[0].action == actions.OPEN_FORM
    root = next(e for e in result.effects if isinstance(e, UpdateRoot))
    assert root.card.sections[2].assignee == DANA
    assert "Use /jcdc assign" in notices(h.command(ALICE, "assign 2"))[0].replace("`", "")
    assert "Use /jcdc assign" in notices(h.command(ALICE, "assign 42 @x", mentions=(DANA,)))[
        0
    ].replace("`", "")


def test_tlp_command_is_lead_only_and_validated() -> None:
    h = Harness()
    h.start()
    result = h.command(ALICE, "tlp red")
    assert "Marking set to TLP:RED by Alice." in posts(result)[0]
    assert "Only the lead" in notices(h.command(BOB, "tlp clear"))[0]
    assert notices(h.command(ALICE, "tlp purple"))[0].startswith("0.1: ")
    assert "The marking is TLP:RED" in notices(h.command(BOB, "tlp"))[0]


def test_preview_asks_for_the_assembled_report() -> None:
    h = Harness()
    h.start()
    (effect,) = h.command(BOB, "preview").effects
    assert isinstance(effect, ShowPreview)
    assert effect.user == BOB


def test_commands_without_a_report_and_unknown_commands() -> None:
    h = Harness()
    assert "There is no open JCDC report" in notices(h.command(BOB, "status"))[0]
    assert "JCDC report commands" in notices(h.command(BOB, "help"))[0]
    assert "JCDC report commands" in notices(h.command(BOB, ""))[0]
    h.start()
    assert "I don't know the command frobnicate" in notices(h.command(BOB, "frobnicate"))[0]


def test_lead_can_hand_over_the_lead() -> None:
    h = Harness()
    h.start()
    assert "Only the lead" in notices(h.command(BOB, "lead @bob", mentions=(BOB,)))[0]
    h.command(ALICE, "lead <@U_BOB>", mentions=(BOB,))
    assert h.state is not None
    assert h.state.lead == BOB


# -- sending --------------------------------------------------------------------------------


def test_send_needs_confirmation_by_the_lead_and_double_confirm_sends_once() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    result = h.command(BOB, "send")
    (post,) = [e for e in result.effects if isinstance(e, Post)]
    text = posts(result)[0]
    assert "Recipient: `CISA.JCDC@cisa.dhs.gov`" in text
    assert "Marking: TLP:AMBER" in text
    assert "Completeness: 1 of 7 items answered" in text
    assert "Unanswered (6): §0: 1, §1: 3, §2: 2\n" in text
    assert [b.action for b in post.buttons] == [actions.CONFIRM_SEND, actions.CANCEL_SEND]
    assert not any(isinstance(e, SubmitRequested) for e in result.effects)

    refused = h.press(BOB, actions.CONFIRM_SEND)
    assert "Only the lead (Alice)" in notices(refused)[0]
    assert [a.action for a in refused.audit] == ["send_confirmation_refused"]
    assert not any(isinstance(e, SubmitRequested) for e in refused.effects)

    confirmed = h.press(ALICE, actions.CONFIRM_SEND)
    (submit,) = [e for e in confirmed.effects if isinstance(e, SubmitRequested)]
    assert submit.requested_by == BOB
    assert submit.confirmed_by == (ALICE,)
    assert h.state is not None
    assert h.state.status is ReportStatus.SUBMIT_REQUESTED
    assert submit.report_version == h.state.version + 1

    again = h.press(ALICE, actions.CONFIRM_SEND)
    assert not any(isinstance(e, SubmitRequested) for e in again.effects)
    assert "Already confirmed by Alice" in notices(again)[0]


def test_confirm_without_pending_send_and_cancel_send() -> None:
    h = Harness()
    h.start()
    assert "No send is waiting" in notices(h.command(ALICE, "confirm"))[0]
    h.press(ALICE, actions.SEND)
    result = h.press(ALICE, actions.CANCEL_SEND)
    assert "Send cancelled by Alice at 14:05 UTC. Nothing was sent." in posts(result)[0]
    assert "No send is waiting" in notices(h.press(ALICE, actions.CONFIRM_SEND))[0]
    assert "no pending send" in notices(h.command(ALICE, "cancel send"))[0]


def test_configured_approver_may_confirm() -> None:
    h = Harness(policy=Policy(approvers=frozenset({key(BOB)})))
    h.start()
    h.command(CAROL, "send")
    confirmed = h.command(BOB, "confirm")
    assert any(isinstance(e, SubmitRequested) for e in confirmed.effects)


def test_confirmation_can_be_turned_off_for_the_lead() -> None:
    h = Harness(policy=Policy(confirm_send=False))
    h.start()
    pending = h.command(BOB, "send")
    assert not any(isinstance(e, SubmitRequested) for e in pending.effects)
    result = h.command(ALICE, "send")
    assert any(isinstance(e, SubmitRequested) for e in result.effects)


def test_cancel_and_reopen() -> None:
    h = Harness()
    h.start()
    assert "Only the lead" in notices(h.command(BOB, "cancel"))[0]
    result = h.command(ALICE, "cancel")
    assert h.state is not None
    assert h.state.status is ReportStatus.CANCELLED
    assert "Report cancelled by Alice. Nothing was sent" in posts(result)[0]
    root = next(e for e in result.effects if isinstance(e, UpdateRoot))
    assert root.card.buttons == ()
    refused = h.say(BOB, "1.3: confirmed")
    assert "This report was cancelled" in notices(refused)[0]
    assert h.state.contributions == ()
    assert "This report was cancelled" in notices(h.command(BOB, "send"))[0]
    reopened = h.command(ALICE, "reopen")
    assert reopened.state is not None
    assert reopened.state.status is ReportStatus.OPEN


def test_confirmed_report_cannot_be_cancelled() -> None:
    h = Harness()
    h.start()
    h.command(ALICE, "send")
    h.command(ALICE, "confirm")
    assert "would not unsend it" in notices(h.command(ALICE, "cancel"))[0]


# -- forms and buttons ----------------------------------------------------------------------


def test_a_form_answering_the_current_question_edits_it_and_asks_the_next() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")  # 0.1; 0.2 is asked
    result = h.form(BOB, "handling", {"handling.org": "Example Corp"})
    (edit,) = edits(result)
    assert edit == "\u2713 0.2 Which organisation reports? — Example Corp (Bob)"
    (question,) = posts(result)
    assert question.startswith("1.1 What kind of event is it?")
    assert "Bob answered section 0 in a form: 0.2." in notices(result)[0]


def test_settling_a_conflict_shows_the_settled_value_on_the_question() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")  # 0.1; 0.2 is asked, then 1.1
    h.say(BOB, "Example Corp")  # 0.2; 1.1 (a choice) is asked
    h.say(BOB, "incident")
    conflict = h.say(CAROL, "1.1: 2")
    assert "Conflicting answers for 1.1" in posts(conflict)[0]
    assert edits(conflict)[0].startswith("\u26a0 1.1 ")
    settled = h.command(ALICE, "resolve 1.1 2")
    assert edits(settled) == [
        "\u2713 1.1 What kind of event is it? — Attempted attack (settled by the lead)"
    ]
    assert "Alice settled 1.1" in posts(settled)[0]


def test_a_form_that_makes_a_conflict_tells_the_thread() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.1: incident")
    result = h.form(DANA, "description", {"description.event_type": "2"})
    (post,) = posts(result)
    assert "Conflicting answers for 1.1" in post


def test_form_records_a_section_and_replaces_own_earlier_form_answers() -> None:
    h = Harness()
    h.start()
    result = h.form(
        DANA,
        "description",
        {
            "description.event_type": "2",
            "description.cves": "CVE-2024-3094 CVE-2023-1234",
            "description.confidence": "",
        },
    )
    # None of section 1 was asked in the thread yet: Dana alone is told, nothing is posted.
    assert posts(result) == []
    assert "Dana answered section 1 in a form: 1.1, 1.2." in notices(result)[0]
    assert h.active_values("description.event_type") == ["attempted_attack"]
    assert h.state is not None
    assert {c.via for c in h.state.contributions} == {"form"}

    opened = h.press(DANA, actions.OPEN_FORM, f"{h.state.id}:description")
    (form,) = [e for e in opened.effects if isinstance(e, OpenForm)]
    assert form.trigger == "TRIGGER"
    assert [f.initial for f in form.form.fields] == ["2", "CVE-2024-3094 CVE-2023-1234", ""]

    h.form(DANA, "description", {"description.event_type": "incident", "description.cves": ""})
    assert h.active_values("description.event_type") == ["incident"]
    assert h.active_values("description.cves") == []


def test_invalid_form_is_rejected_whole_with_reasons() -> None:
    h = Harness()
    h.start()
    before = h.state
    result = h.form(BOB, "handling", {"handling.tlp": "amber", "handling.org": "Example"})
    (rejected,) = [e for e in result.effects if isinstance(e, FormRejected)]
    assert set(rejected.errors) == {"handling.tlp"}
    assert h.state == before
    result = h.form(BOB, "detection", {"detection.users": "lots"})
    assert (
        "detection.users" in next(e for e in result.effects if isinstance(e, FormRejected)).errors
    )
    assert h.state == before


def test_empty_and_unknown_forms() -> None:
    h = Harness()
    h.start()
    assert "nothing changed" in notices(h.form(BOB, "handling", {}))[0]
    assert "section this checklist does not have" in notices(h.form(BOB, "nope", {}))[0]


def test_form_command_opens_current_or_named_section() -> None:
    h = Harness()
    h.start()
    (form,) = h.command(BOB, "form", trigger="T1").effects
    assert isinstance(form, OpenForm)
    assert form.form.section_id == "handling"
    (form,) = h.command(BOB, "form detection", trigger="T1").effects
    assert isinstance(form, OpenForm)
    assert form.form.section_id == "detection"
    assert "Which section?" in notices(h.command(BOB, "form 12"))[0]


def test_unknown_buttons_are_explained() -> None:
    h = Harness()
    h.start()
    result = h.press(BOB, "self_destruct")
    assert "not one I know" in notices(result)[0]
    assert isinstance(result.effects[0], Ephemeral)
    assert "no longer available" in notices(h.press(BOB, actions.OPEN_FORM, "x:nope"))[0]


def test_messages_without_a_report_are_ignored() -> None:
    h = Harness()
    result = h.feed(
        MessagePosted(
            event_id="x",
            platform="test",
            channel="C1",
            thread="T",
            actor=BOB,
            message_id="M",
            text="hello",
        )
    )
    assert result.state is None
    assert result.effects == ()
