"""Sending to JCDC, role by role, and a second send of an unchanged report: it says so and
needs its own button, so a stale Confirm cannot mail the same report twice."""

from __future__ import annotations

import pytest

from conversations import actions
from conversations.checklist import default_checklist
from conversations.effects import Ephemeral, Post, SubmitRequested
from conversations.policy import Policy
from conversations.state import ReportStatus
from conversations.turn import Step
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    ROLES,
    Harness,
    key,
    notices,
    posts,
    with_approver,
)
from tests.documents.demo_report import LEAD, demo_report


def queued(result: Step) -> list[SubmitRequested]:
    return [e for e in result.effects if isinstance(e, SubmitRequested)]


def post_buttons(result: Step) -> list[str]:
    return [b.action for e in result.effects if isinstance(e, Post) for b in e.buttons]


def notice_buttons(result: Step) -> list[str]:
    return [b.action for e in result.effects if isinstance(e, Ephemeral) for b in e.buttons]


def sent_once(h: Harness) -> None:
    """Answer, send, confirm and have the outbox report the e-mail sent."""
    h.say(ALICE, "amber")
    h.say(CAROL, "2.1: 203.0.113.7")
    h.command(CAROL, "send")
    assert queued(h.press(ALICE, actions.CONFIRM_SEND))
    h.outcome("sent", message_id="<r1.1@jcdc-bot.example>")
    assert h.state is not None
    assert h.state.status is ReportStatus.SENT


# -- who may confirm and cancel ---------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_lead_or_an_approver_confirms(role: str) -> None:
    h = with_approver()
    h.command(DANA, "send")
    before = h.state
    result = h.press(ROLES[role], actions.CONFIRM_SEND)
    if role == "responder":
        assert h.state == before
        assert queued(result) == []
        assert [a.action for a in result.audit] == ["send_confirmation_refused"]
        assert "Only the lead (Alice) or an approver can confirm" in notices(result)[0]
    else:
        assert len(queued(result)) == 1


@pytest.mark.parametrize("how", ["button", "command"])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_lead_an_approver_or_the_requester_cancels_a_send(role: str, how: str) -> None:
    h = with_approver()
    h.command(DANA, "send")
    before = h.state
    actor = ROLES[role]
    result = (
        h.press(actor, actions.CANCEL_SEND) if how == "button" else h.command(actor, "cancel send")
    )
    assert h.state is not None
    if role == "responder":
        assert h.state == before
        assert result.audit == ()
        assert posts(result) == []
        assert notices(result) == [
            "Only the lead (Alice), an approver or Dana, who asked for this send, "
            "can cancel it. Nothing was changed."
        ]
    else:
        assert h.state.send_request is None
        assert f"Send cancelled by {actor.name} at " in posts(result)[0]
        assert ". Nothing was sent." in posts(result)[0]


def test_whoever_asked_for_a_send_may_cancel_it() -> None:
    h = with_approver()
    h.command(DANA, "send")
    result = h.press(DANA, actions.CANCEL_SEND)
    assert h.state is not None
    assert h.state.send_request is None
    assert [a.action for a in result.audit] == ["send_cancelled"]


def test_a_second_send_keeps_a_first_confirmation() -> None:
    h = Harness(policy=Policy(approvers=frozenset({key(BOB)}), require_second_approver=True))
    h.start()
    h.command(DANA, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    result = h.command(CAROL, "send")
    assert h.state is not None
    assert h.state.send_request is not None
    assert (h.state.send_request.requested_by, h.state.send_request.confirmed_by) == (
        DANA,
        (ALICE,),
    )
    assert result.audit == ()
    assert "Dana asks to send this report to JCDC" in posts(result)[0]
    (submit,) = queued(h.press(BOB, actions.CONFIRM_SEND))
    assert submit.confirmed_by == (ALICE, BOB)


def test_no_second_send_while_one_is_queued() -> None:
    h = Harness()
    h.start()
    h.command(ALICE, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    before = h.state
    result = h.command(CAROL, "send")
    assert h.state == before
    assert result.audit == ()
    assert "already queued for JCDC" in notices(result)[0]
    again = h.press(ALICE, actions.CONFIRM_SEND)
    assert queued(again) == []


# -- what was sent ---------------------------------------------------------------------------


def test_confirming_records_what_was_submitted_and_sending_promotes_it() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    h.command(ALICE, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    assert h.state is not None
    submitted = h.state.delivery.submitted
    assert submitted is not None
    assert h.state.delivery.last_sent is None
    h.outcome("retrying", detail="relay unreachable")
    assert h.state.delivery.last_sent is None
    at = h.now
    h.outcome("sent", message_id="<m@x>")
    last = h.state.delivery.last_sent
    assert last is not None
    assert (last.fingerprint, last.at, last.message_id) == (submitted, at, "<m@x>")
    # The delivered send is done with: an old Confirm button finds nothing waiting.
    assert h.state.send_request is None
    assert "No send is waiting" in notices(h.press(ALICE, actions.CONFIRM_SEND))[0]


def test_a_failed_delivery_keeps_the_last_sent_email() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    assert h.state is not None
    last = h.state.delivery.last_sent
    h.say(CAROL, "2.2: 40")
    h.command(ALICE, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    h.outcome("failed", detail="550 no such user")
    assert h.state.delivery.last_sent == last


# -- sending an unchanged report again ---------------------------------------------------------


def test_send_of_an_unchanged_sent_report_says_so_and_offers_its_own_button() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    assert h.state is not None
    assert h.state.delivery.last_sent is not None
    when = h.state.delivery.last_sent.at.strftime("%Y-%m-%d %H:%M UTC")
    result = h.command(CAROL, "send")
    (text,) = posts(result)
    assert "Carol asks to send this report to JCDC again." in text
    assert (
        f"Nothing changed since the e-mail of {when} (Message-ID `<r1.1@jcdc-bot.example>`). "
        "Send the same report again?"
    ) in text
    assert post_buttons(result) == [actions.RESEND_UNCHANGED, actions.CANCEL_SEND]
    assert queued(result) == []


@pytest.mark.parametrize("how", ["button", "command"])
def test_the_ordinary_confirm_on_an_unchanged_sent_report_queues_nothing(how: str) -> None:
    h = Harness()
    h.start()
    sent_once(h)
    h.command(CAROL, "send")
    before = h.state
    result = (
        h.press(ALICE, actions.CONFIRM_SEND) if how == "button" else h.command(ALICE, "confirm")
    )
    assert queued(result) == []
    assert h.state == before
    assert result.audit == ()
    (notice,) = notices(result)
    assert notice.startswith("Nothing changed since the e-mail of ")
    assert "Nothing was sent. Send the same report again?" in notice
    assert notice_buttons(result) == [actions.RESEND_UNCHANGED, actions.CANCEL_SEND]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_sending_the_same_report_again_is_the_lead_or_an_approvers_choice(role: str) -> None:
    h = with_approver()
    sent_once(h)
    h.command(DANA, "send")
    before = h.state
    result = h.press(ROLES[role], actions.RESEND_UNCHANGED)
    if role == "responder":
        assert h.state == before
        assert queued(result) == []
        assert "Only the lead (Alice) or an approver" in notices(result)[0]
    else:
        (submit,) = queued(result)
        assert submit.requested_by == DANA
        assert h.state is not None
        assert h.state.status is ReportStatus.SUBMIT_REQUESTED
        assert [a.detail for a in result.audit if a.action == "send_confirmed"] == [
            {"unchanged": True}
        ]


def test_the_resend_button_needs_a_pending_send() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    result = h.press(ALICE, actions.RESEND_UNCHANGED)
    assert queued(result) == []
    assert "No send is waiting" in notices(result)[0]


def test_a_changed_report_is_sent_as_before() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    h.say(CAROL, "2.2: about 40")
    result = h.command(CAROL, "send")
    assert "asks to send this report to JCDC.\n" in posts(result)[0]
    assert "Nothing changed" not in posts(result)[0]
    assert post_buttons(result) == [actions.CONFIRM_SEND, actions.CANCEL_SEND]
    assert len(queued(h.press(ALICE, actions.CONFIRM_SEND))) == 1


def test_a_withdrawn_answer_is_a_change_and_giving_it_again_undoes_it() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    h.say(CAROL, "2.2: about 40", message_id="M9")
    h.delete(CAROL, "M9")
    # Back to what was sent: the same report again.
    assert post_buttons(h.command(CAROL, "send")) == [actions.RESEND_UNCHANGED, actions.CANCEL_SEND]


def test_under_the_two_person_rule_both_choose_to_send_the_same_report_again() -> None:
    h = Harness(policy=Policy(approvers=frozenset({key(BOB)}), require_second_approver=True))
    h.start()
    h.say(ALICE, "amber")
    h.command(ALICE, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    h.press(BOB, actions.CONFIRM_SEND)
    h.outcome("sent", message_id="<m@x>")
    h.command(ALICE, "send")
    first = h.press(ALICE, actions.RESEND_UNCHANGED)
    assert queued(first) == []
    assert post_buttons(first) == [actions.RESEND_UNCHANGED, actions.CANCEL_SEND]
    assert queued(h.press(BOB, actions.CONFIRM_SEND)) == []
    (submit,) = queued(h.press(BOB, actions.RESEND_UNCHANGED))
    assert submit.confirmed_by == (ALICE, BOB)


def test_without_a_confirmation_step_an_unchanged_report_still_asks() -> None:
    h = Harness(policy=Policy(confirm_send=False))
    h.start()
    h.say(ALICE, "amber")
    assert len(queued(h.command(ALICE, "send"))) == 1
    h.outcome("sent", message_id="<m@x>")
    result = h.command(ALICE, "send")
    assert queued(result) == []
    assert post_buttons(result) == [actions.RESEND_UNCHANGED, actions.CANCEL_SEND]


# -- CISA's key elements lead the confirmation ------------------------------------------------


def test_confirmation_leads_with_cisa_key_elements_and_names_the_missing() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    h.say(ALICE, "0.3: Example Corp")
    h.say(ALICE, "0.6: our ISAC")
    text = posts(h.command(ALICE, "send"))[0]
    lines = text.splitlines()
    assert lines[0] == "Alice asks to send this report to JCDC."
    assert lines[1].startswith("CISA's key elements: 2 of 10 answered; missing: When it happened")
    assert "Who is reporting" not in lines[1]
    assert "Who else has been informed" not in lines[1]
    assert "Severity" in lines[1]


def test_confirmation_says_when_every_key_element_is_answered() -> None:
    h, _ = demo_report()
    text = posts(h.command(LEAD, "send"))[0]
    assert text.splitlines()[1] == "CISA's key elements: all 10 answered."
