"""Running the report, role by role: who may assign, set the marking, settle conflicts, hand
over the lead, cancel and reopen; and the id a new report gets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conversations.effects import PostRoot
from conversations.merge import ItemStatus, merge_report
from conversations.state import Actor, ReportStatus
from conversations.turn import Step
from tests.conversations.harness import (
    ALICE,
    CAROL,
    DANA,
    EVE,
    ROLES,
    Harness,
    notices,
    posts,
    with_approver,
)

# Each action: (prepare the report, act as `actor`, did the action take effect?).
Prepare = Callable[[Harness], object]
Act = Callable[[Harness, Actor], Step]
Took = Callable[[Harness], bool]


def _conflict(h: Harness) -> None:
    h.say(DANA, "1.3: confirmed")
    h.say(EVE, "1.3: speculative")


def _status(h: Harness, item_id: str) -> ItemStatus:
    assert h.state is not None
    return merge_report(h.state, h.checklist, h.policy.default_tlp).item(item_id).status


def _tlp(h: Harness) -> str:
    assert h.state is not None
    return merge_report(h.state, h.checklist, h.policy.default_tlp).tlp


ACTIONS: dict[str, tuple[Prepare, Act, Took]] = {
    "assign": (
        lambda h: None,
        lambda h, actor: h.command(actor, "assign 2 @dana", mentions=(DANA,)),
        lambda h: h.state is not None and len(h.state.assignments) == 1,
    ),
    "tlp": (
        lambda h: None,
        lambda h, actor: h.command(actor, "tlp red"),
        lambda h: _tlp(h) == "TLP:RED",
    ),
    "resolve": (
        _conflict,
        lambda h, actor: h.command(actor, "resolve 1.3 2"),
        lambda h: _status(h, "description.confidence") is ItemStatus.ANSWERED,
    ),
    "lead": (
        lambda h: None,
        lambda h, actor: h.command(actor, "lead @dana", mentions=(DANA,)),
        lambda h: h.state is not None and h.state.lead == DANA,
    ),
    "cancel": (
        lambda h: None,
        lambda h, actor: h.command(actor, "cancel"),
        lambda h: h.state is not None and h.state.status is ReportStatus.CANCELLED,
    ),
    "reopen": (
        lambda h: h.command(ALICE, "cancel"),
        lambda h, actor: h.command(actor, "reopen"),
        lambda h: h.state is not None and h.state.status is ReportStatus.OPEN,
    ),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_only_the_lead_or_an_approver_runs_the_report(action: str, role: str) -> None:
    prepare, act, took = ACTIONS[action]
    h = with_approver()
    prepare(h)
    before = h.state
    assert not took(h)
    result = act(h, ROLES[role])
    if role == "responder":
        assert h.state == before
        assert result.audit == ()
        assert posts(result) == []
        (notice,) = notices(result)
        assert "Only the lead (Alice) or an approver" in notice
        assert "Nothing was" in notice
    else:
        assert took(h), notices(result)
        assert posts(result)


def test_a_responder_may_take_an_unassigned_section() -> None:
    h = with_approver()
    result = h.command(CAROL, "assign 2 @carol", mentions=(CAROL,))
    assert h.state is not None
    (assignment,) = h.state.assignments
    assert (assignment.section_id, assignment.assignee, assignment.by) == (
        "detection",
        CAROL,
        CAROL,
    )
    assert "Carol handed you section 2" in posts(result)[0]


def test_the_refusal_tells_a_responder_they_can_take_an_open_section() -> None:
    h = with_approver()
    (notice,) = notices(h.command(CAROL, "assign 2 @dana", mentions=(DANA,)))
    assert "you can take an unassigned one with /jcdc assign 2 @you" in notice.replace("`", "")


def test_a_responder_cannot_take_a_section_someone_else_has() -> None:
    h = with_approver()
    h.command(ALICE, "assign 2 @dana", mentions=(DANA,))
    before = h.state
    result = h.command(CAROL, "assign 2 @carol", mentions=(CAROL,))
    assert h.state == before
    assert result.audit == ()
    (notice,) = notices(result)
    assert "can reassign section 2; it is Dana's. Nothing was changed." in notice


def test_a_new_report_takes_the_id_it_is_given() -> None:
    h = Harness()
    h.new_report_id = "6b0c1a52-0f3e-4f2d-9d57-3a1b2c4d5e6f"
    result = h.command(ALICE, "new Leak")
    assert h.state is not None
    assert h.state.id == "6b0c1a52-0f3e-4f2d-9d57-3a1b2c4d5e6f"
    (root,) = [e for e in result.effects if isinstance(e, PostRoot)]
    assert root.report_id == h.state.id
    assert root.card.report_id == h.state.id


def test_the_given_id_only_names_new_reports() -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    first = h.state.id
    h.new_report_id = "ffffffff-0000-4000-8000-000000000000"
    h.say(CAROL, "1.3: confirmed")
    assert h.state.id == first


def test_without_a_given_id_the_id_comes_from_the_event_for_tests() -> None:
    one, two = Harness(), Harness()
    one.command(ALICE, "new A")
    two.command(ALICE, "new A")
    assert one.state is not None
    assert two.state is not None
    assert one.state.id == two.state.id
    other = Harness()
    other.new_report_id = "0b6e8a8e-2b1f-4a3c-8d5e-7f9a0b1c2d3e"
    other.command(ALICE, "new A")
    assert other.state is not None
    assert other.state.id != one.state.id
