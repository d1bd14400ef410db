"""Section forms by role and by person: the marking in a form, and whose earlier form
answers a form is prefilled with and replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import JsonValue

from conversations import actions
from conversations.answers import Accepted, answer_choices, display_value, parse_answer
from conversations.checklist import AnswerKind, default_checklist
from conversations.effects import FormRejected, OpenForm, Post
from conversations.form_check import field_errors
from conversations.merge import merge_report
from conversations.messages import form_field
from conversations.state import Actor
from conversations.turn import Step
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    ROLES,
    Harness,
    to_plain_all,
    with_approver,
)


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


def _opened(h: Harness, actor: Actor, section: str) -> OpenForm:
    assert h.state is not None
    opened = h.press(actor, actions.OPEN_FORM, f"{h.state.id}:{section}")
    (form,) = [e for e in opened.effects if isinstance(e, OpenForm)]
    return form


def _submit_as_shown(h: Harness, actor: Actor, form: OpenForm) -> Step:
    """Submit the form exactly as it opened, the way a platform sends it back."""
    values = {
        f.item_id: ", ".join(f.selected) if f.choices else f.initial for f in form.form.fields
    }
    return h.form(actor, form.form.section_id, values)


def _numbers(h: Harness) -> list[object]:
    """The active answers to 2.2 (a number is stored with its range)."""
    return [v["low"] for v in h.active_values("detection.users") if isinstance(v, dict)]


def test_a_form_opens_with_everybodys_merged_answers() -> None:
    h = Harness()
    h.start()
    h.form(BOB, "description", {"description.cves": "CVE-2024-3094"})
    h.form(
        CAROL,
        "description",
        {"description.cves": "CVE-2023-1234", "description.event_type": "incident"},
    )
    h.say(BOB, "1.3: confirmed")
    # Bob under another display name is still Bob, and sees Carol's answers too.
    form = _opened(h, Actor(id=BOB.id, name="Robert"), "description")
    fields = {f.item_id: f for f in form.form.fields}
    assert fields["description.cves"].initial == "CVE-2024-3094\nCVE-2023-1234"
    assert fields["description.event_type"].selected == ("incident",)
    assert fields["description.confidence"].selected == ("confirmed",)
    assert all(f.conflict == "" for f in fields.values())


def test_an_unchanged_form_records_nothing_for_anyone() -> None:
    h = Harness()
    h.start()
    h.form(
        BOB,
        "description",
        {"description.cves": "CVE-2024-3094", "description.event_type": "incident"},
    )
    h.form(CAROL, "detection", {"detection.iocs": "evil.example.com", "detection.users": "40"})
    for actor in (ALICE, BOB, CAROL):
        for section in ("description", "detection"):
            before = h.state
            result = _submit_as_shown(h, actor, _opened(h, actor, section))
            assert h.state is not None
            assert before is not None
            assert h.state.contributions == before.contributions, (actor, section)
            assert [a.action for a in result.audit] == []
            assert "nothing changed" in to_plain_all(result.effects)


def test_a_changed_field_records_one_contribution_and_leaves_the_rest() -> None:
    h = Harness()
    h.start()
    h.form(BOB, "detection", {"detection.iocs": "evil.example.com", "detection.users": "40"})
    assert h.state is not None
    before = len(h.state.contributions)
    form = _opened(h, CAROL, "detection")
    values = {f.item_id: f.initial for f in form.form.fields}
    values["detection.iocs"] += "\n203.0.113.7"
    result = h.form(CAROL, "detection", values)
    assert h.state is not None
    added = h.state.contributions[before:]
    # Only the new indicator, not Bob's again.
    assert [(c.item_id, c.author, c.value) for c in added] == [
        ("detection.iocs", CAROL, [{"type": "ipv4", "value": "203.0.113.7"}])
    ]
    # Bob's indicator and his number stay his, once each.
    assert _numbers(h) == [40]
    assert len(h.active_values("detection.iocs")) == 2
    assert "2.1." in to_plain_all(result.effects)


def test_a_form_shows_an_open_conflict_and_leaving_it_adds_nothing() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    for actor, own in ((BOB, ("confirmed",)), (CAROL, ("speculative",)), (ALICE, ())):
        field = next(
            f
            for f in _opened(h, actor, "description").form.fields
            if f.item_id == "description.confidence"
        )
        assert (
            field.conflict
            == "Conflict: confirmed (Bob) / speculative (Carol) \u2014 the lead resolves."
        )
        assert field.selected == own
        before = h.state
        _submit_as_shown(h, actor, _opened(h, actor, "description"))
        assert h.state is not None
        assert before is not None
        assert h.state.contributions == before.contributions


def test_clearing_a_field_withdraws_only_your_own_answer() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "2.2: 40")
    h.form(CAROL, "detection", {"detection.iocs": "evil.example.com"})
    # Carol clears Bob's number: it stays, and she is told why.
    values = {f.item_id: f.initial for f in _opened(h, CAROL, "detection").form.fields}
    values["detection.users"] = ""
    result = h.form(CAROL, "detection", values)
    assert _numbers(h) == [40]
    assert "not yours to withdraw: 2.2" in to_plain_all(result.effects)
    # Carol clears her own indicators: withdrawn.
    values["detection.iocs"] = ""
    h.form(CAROL, "detection", values)
    assert h.active_values("detection.iocs") == []
    assert _numbers(h) == [40]


def test_changing_your_single_answer_replaces_it_not_anothers() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "2.2: 40")
    values = {f.item_id: f.initial for f in _opened(h, CAROL, "detection").form.fields}
    values["detection.users"] = "55"
    h.form(CAROL, "detection", values)
    assert _numbers(h) == [40, 55]  # a conflict for the lead
    values["detection.users"] = "60"
    h.form(CAROL, "detection", values)
    assert _numbers(h) == [40, 60]


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


def test_undo_on_a_form_acknowledgement_takes_back_what_the_form_added() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "2.2: 40")
    values = {f.item_id: f.initial for f in _opened(h, CAROL, "detection").form.fields}
    values["detection.iocs"] = "evil.example.com"
    values["detection.users"] = "55"
    result = h.form(CAROL, "detection", values)
    (ack,) = [e for e in result.effects if isinstance(e, Post) and e.buttons]
    (undo,) = ack.buttons
    assert undo.action == actions.UNDO
    # Nobody else but the lead may press it.
    h.press(BOB, actions.UNDO, undo.value)
    assert len(h.active_values("detection.iocs")) == 1
    h.press(CAROL, actions.UNDO, undo.value)
    assert h.active_values("detection.iocs") == []
    assert _numbers(h) == [40]
