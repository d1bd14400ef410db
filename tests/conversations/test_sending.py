"""Sending to JCDC, role by role: who may confirm, who may cancel, and a Send that keeps
what is pending or queued."""

from __future__ import annotations

import pytest

from conversations import actions
from conversations.effects import SubmitRequested
from conversations.policy import Policy
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


def queued(result: Step) -> list[SubmitRequested]:
    return [e for e in result.effects if isinstance(e, SubmitRequested)]


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
        assert f"Send cancelled by {actor.name}. Nothing was sent." in posts(result)[0]


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
