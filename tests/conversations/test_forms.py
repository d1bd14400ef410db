"""Section forms by role and by person: the marking in a form, and whose earlier form
answers a form is prefilled with and replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import JsonValue

from conversations import actions
from conversations.answers import Accepted, answer_choices, display_value, parse_answer
from conversations.checklist import AnswerKind, default_checklist
from conversations.effects import FormRejected, OpenForm
from conversations.form_check import field_errors
from conversations.merge import merge_report
from conversations.messages import form_field
from conversations.state import Actor
from tests.conversations.harness import BOB, CAROL, ROLES, Harness, with_approver


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_lead_or_an_approver_sets_the_marking_in_a_form(role: str) -> None:
    h = with_approver()
    before = h.state
    result = h.form(ROLES[role], "handling", {"handling.tlp": "red", "handling.org": "Example"})
    assert h.state is not None
    if role == "responder":
        assert h.state == before
        assert result.audit == ()
        (rejected,) = [e for e in result.effects if isinstance(e, FormRejected)]
        assert rejected.errors == {"handling.tlp": "Only the lead or an approver sets the TLP."}
    else:
        assert merge_report(h.state, h.checklist, h.policy.default_tlp).tlp == "TLP:RED"


def test_a_form_opens_with_this_persons_own_answers_only() -> None:
    h = Harness()
    h.start()
    h.form(BOB, "description", {"description.cves": "CVE-2024-3094"})
    h.form(CAROL, "description", {"description.cves": "CVE-2023-1234"})
    assert h.state is not None
    # Bob under another display name is still Bob.
    renamed = Actor(id=BOB.id, name="Robert")
    opened = h.press(renamed, actions.OPEN_FORM, f"{h.state.id}:description")
    (form,) = [e for e in opened.effects if isinstance(e, OpenForm)]
    assert [f.initial for f in form.form.fields] == ["", "CVE-2024-3094", ""]
    # Submitting again replaces Bob's form answer, not Carol's.
    h.form(renamed, "description", {"description.cves": "CVE-2022-0001"})
    assert h.active_values("description.cves") == [["CVE-2023-1234"], ["CVE-2022-0001"]]


def test_every_choice_the_core_offers_is_an_answer_its_item_takes() -> None:
    checklist = default_checklist()
    pickers = [item for item in checklist.items() if answer_choices(item)]
    assert {item.kind for item in pickers} == {
        AnswerKind.CHOICE,
        AnswerKind.MULTI_CHOICE,
        AnswerKind.YES_NO,
        AnswerKind.SEVERITY,
        AnswerKind.CONFIDENCE,
        AnswerKind.TLP,
    }
    for item in pickers:
        field = form_field(item, None)
        assert [c.value for c in field.choices] == list(answer_choices(item))
        assert field.multiple is (item.kind is AnswerKind.MULTI_CHOICE)
        for choice in field.choices:
            parsed = parse_answer(item, choice.value)
            assert isinstance(parsed, Accepted), (item.id, choice.value)
            stored: JsonValue = [choice.value] if field.multiple else choice.value
            assert parsed.value == stored
            assert choice.label == display_value(item, stored)
    tlp = next(item for item in pickers if item.kind is AnswerKind.TLP)
    assert [c.value for c in form_field(tlp, None).choices][-1] == "TLP:RED"
    typed = next(item for item in checklist.items() if item.kind is AnswerKind.TEXT)
    assert form_field(typed, None).choices == ()


def test_a_picker_shows_the_stored_answer_whatever_was_typed() -> None:
    h = Harness()
    h.start()
    h.form(BOB, "description", {"description.event_type": "2", "description.confidence": "likely"})
    assert h.state is not None
    opened = h.press(BOB, actions.OPEN_FORM, f"{h.state.id}:description")
    (form,) = [e for e in opened.effects if isinstance(e, OpenForm)]
    fields = {f.item_id: f for f in form.form.fields}
    assert fields["description.event_type"].selected == ("attempted_attack",)
    assert fields["description.confidence"].selected == ("speculative",)
    assert fields["description.cves"].selected == ()
    # What was typed stays the text a text input starts with.
    assert fields["description.event_type"].initial == "2"


def test_a_form_reads_a_time_relative_to_the_turn_and_the_check_agrees() -> None:
    h = Harness(default_checklist())
    h.start()
    h.form(BOB, "detection", {"detection.timestamps": "2 hours ago; ongoing"})
    # Two hours before the turn's own time (the harness's clock, not the wall clock).
    two_hours_ago = (h.now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert h.active_values("detection.timestamps") == [[two_hours_ago, "ongoing"]]
    submitted = h.events.form(BOB, "detection", {"detection.timestamps": "2 hours ago"})
    assert field_errors(h.checklist, submitted, h.now) == {}
    # Without the check's time, a relative time cannot be read and the field says why.
    assert "detection.timestamps" in field_errors(h.checklist, submitted)
