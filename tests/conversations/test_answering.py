"""Answers in the thread, by role and by person: the TLP marking through every kind of
reply, edits only by their author, and a person's own answers known by their full key."""

from __future__ import annotations

import pytest

from conversations.checklist import default_checklist
from conversations.merge import merge_report
from conversations.state import Actor
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    ROLES,
    Harness,
    notices,
    posts,
    with_approver,
)


def tlp(h: Harness) -> str:
    assert h.state is not None
    return merge_report(h.state, h.checklist, h.policy.default_tlp).tlp


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("reply", ["red", "0.1: red"])
def test_only_the_lead_or_an_approver_sets_the_marking_in_the_thread(reply: str, role: str) -> None:
    h = with_approver()  # the guided question is 0.1, the marking
    before = h.state
    result = h.say(ROLES[role], reply)
    if role == "responder":
        assert h.state == before
        assert result.audit == ()
        assert "Only the lead (Alice) or an approver sets the TLP marking" in notices(result)[0]
    else:
        assert tlp(h) == "TLP:RED"


def test_a_former_lead_cannot_change_the_marking_by_editing_it() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "0.1: red", message_id="M1")
    h.command(ALICE, "lead @dana", mentions=(DANA,))
    before = h.state
    result = h.edit(ALICE, "M1", "0.1: clear")
    assert h.state == before
    assert "Only the lead (Dana)" in notices(result)[0]
    assert tlp(h) == "TLP:RED"


def test_a_former_lead_deleting_the_marking_does_not_lower_it() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "0.1: red", message_id="M1")
    h.command(ALICE, "lead @dana", mentions=(DANA,))
    before = h.state
    result = h.delete(ALICE, "M1")
    assert h.state == before
    assert result.audit == ()
    (notice,) = notices(result)
    assert "its answer to 0.1 stays: only the lead (Dana) or an approver" in notice
    assert tlp(h) == "TLP:RED"


def test_the_lead_deleting_the_marking_withdraws_it() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "0.1: red", message_id="M1")
    h.delete(ALICE, "M1")
    assert tlp(h) == "TLP:AMBER"


def test_other_answers_in_a_deleted_message_go_whoever_the_lead_is() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "1.3: confirmed", message_id="M1")
    result = h.delete(CAROL, "M1")
    assert h.active_values("description.confidence") == []
    assert "Carol's answer to 1.3 was withdrawn" in posts(result)[0]


def test_an_edit_changes_only_its_authors_answer() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "1.2: CVE-2024-3094", message_id="M1")
    before = h.state
    result = h.edit(BOB, "M1", "1.2: CVE-2023-1234")
    assert result.state == before
    assert result.effects == ()
    h.edit(CAROL, "M1", "1.2: CVE-2023-1234")
    assert h.active_values("description.cves") == [["CVE-2023-1234"]]


def test_own_answers_are_the_same_person_whatever_their_display_name() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.3: confirmed")
    # Bob renamed himself: his new answer still replaces his own, it is not a conflict.
    h.say(Actor(id=BOB.id, name="Robert"), "1.3: speculative")
    assert h.active_values("description.confidence") == ["speculative"]
    assert h.state is not None
    assert h.state.contributions[0].retracted_reason == "superseded"


# -- technique names in the acknowledgement ---------------------------------------------------


def test_acknowledgement_names_techniques_and_warns_about_a_revoked_one() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    # 8.3 was not asked in the thread yet: the acknowledgement is Bob's alone.
    (ack,) = notices(h.say(BOB, "8.3: AML.T0051 and T1086"))
    assert ack.startswith("Recorded 8.3 from Bob: AML.T0051 LLM Prompt Injection")
    assert "T1086 is revoked in MITRE's data; MITRE replaced it with T1059.001" in ack
    (refusal,) = notices(h.say(BOB, "8.3: AML.T9999"))
    assert "AML.T9999 is not a technique in MITRE ATLAS 5.6.0" in refusal
    assert "The closest known ids: " in refusal


def test_an_answer_to_an_item_never_asked_builds_no_question_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The question's message lists every answer of the item (thousands, for indicators):
    with no such message to rewrite, it is not built at all; its author is told instead."""
    from conversations import messages

    h = Harness()
    h.start()
    built: list[str] = []
    answered = messages.answered

    def counting(*args: object, **kwargs: object) -> object:
        built.append("answered")
        return answered(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(messages, "answered", counting)
    for n in range(3):
        result = h.say(BOB, f"2.1: 203.0.113.{n + 1}")
        assert f"Recorded 2.1 from Bob: 203.0.113[.]{n + 1}" in notices(result)[0]
    assert built == []
