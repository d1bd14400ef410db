"""The root card is kept with the merge it shows, for the state fields it shows: a turn
builds at most the card after it, never again the one before it, and a kept card is never
shown for a state it does not fit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations import messages
from conversations.checklist import Checklist
from conversations.effects import RootCard
from conversations.merge import ReportMerge, merge_report
from conversations.state import Actor, Assignment, ReportState, ReportStatus, SentEmail
from tests.conversations.harness import ALICE, BOB, CAROL, T0, Harness
from tests.conversations.test_turn_complexity import counted

# The section the root card shows an assignee for when one is set.
SECTION = "handling"


def built_anew(state: ReportState, merge: ReportMerge, checklist: Checklist) -> RootCard:
    """The card as it is built with nothing kept (no root question, no last card either)."""
    messages._root_questions.clear()
    messages._last_cards.clear()
    return messages._root_card(state, merge, checklist)


def fresh(h: Harness, state: ReportState) -> RootCard:
    return built_anew(state, merge_of(h, state), h.checklist)


def merge_of(h: Harness, state: ReportState) -> ReportMerge:
    return merge_report(state, h.checklist, h.policy.default_tlp)


def shown(h: Harness, state: ReportState) -> RootCard:
    return messages.root_card(state, merge_of(h, state), h.checklist)


def test_every_state_of_a_report_gets_the_card_built_for_it() -> None:
    h = Harness()
    h.start()
    states = []
    for actor, text in [
        (CAROL, "0.2: Acme Corp"),
        (BOB, "0.2: Other Corp"),  # a list item: both kept
        (CAROL, "1.1: incident"),
        (BOB, "1.1: suspicious"),  # a conflict
        (ALICE, "skip"),
        (CAROL, "later"),
        (ALICE, "next"),
    ]:
        h.say(actor, text)
        assert h.state is not None
        states.append(h.state)
    h.command(ALICE, f"assign 2 {CAROL.id}", mentions=(CAROL,))
    h.command(ALICE, "tlp red")
    h.command(ALICE, "cancel")
    assert h.state is not None
    states.append(h.state)
    for state in states:
        assert shown(h, state) == fresh(h, state)


@pytest.mark.parametrize(
    "update",
    [
        {"title": "Another title"},
        {"number": 7},
        {"lead": Actor(id="U_NEW", name="New lead")},
        {"status": ReportStatus.CANCELLED},
        {"guiding": False},
        {"cursor": None},
        {"assignments": (Assignment(section_id=SECTION, assignee=CAROL, by=ALICE, at=T0),)},
    ],
    ids=lambda update: next(iter(update)),
)
def test_a_card_kept_for_one_state_is_not_shown_for_another(update: dict[str, object]) -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "0.2: Acme Corp")
    assert h.state is not None
    merge = merge_of(h, h.state)
    before = messages.root_card(h.state, merge, h.checklist)
    # The same merge (the contributions did not change), one field the card shows changed.
    other = h.state.model_copy(update=update)
    card = messages.root_card(other, merge, h.checklist)
    assert card == built_anew(other, merge, h.checklist)
    assert card != before


def test_answers_since_the_send_are_counted_for_the_state_shown() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "0.2: Acme Corp")
    h.say(BOB, "1.2: CVE-2026-1234")
    assert h.state is not None
    first_answer = h.state.contributions[0].at
    sent = SentEmail(fingerprint="f", at=first_answer - timedelta(seconds=1))
    state = h.state.model_copy(
        update={"delivery": h.state.delivery.model_copy(update={"last_sent": sent})}
    )
    merge = merge_of(h, state)
    assert messages.root_card(state, merge, h.checklist).answers_since_sent == 2
    # The same merge shown with fewer contributions after the send (a test's construction:
    # storage never pairs them): counted for this state, not taken from the kept card.
    fewer = state.model_copy(update={"contributions": state.contributions[:1]})
    assert messages.root_card(fewer, merge, h.checklist).answers_since_sent == 1
    later = SentEmail(fingerprint="f", at=T0 + timedelta(days=1))
    resent = state.model_copy(
        update={"delivery": state.delivery.model_copy(update={"last_sent": later})}
    )
    assert messages.root_card(resent, merge, h.checklist).answers_since_sent == 0


def test_a_turn_builds_one_card_not_two(monkeypatch: pytest.MonkeyPatch) -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "0.2: Acme Corp")
    built = counted(monkeypatch, messages, "_root_card")
    for n in range(5):
        assert h.state is not None
        # As storage gives the next turn its state: a copy of the saved one, a version on.
        h.state = h.state.model_copy(update={"version": h.state.version + 1})
        # Not the report's last card either (test_a_new_merge_that_shows_the_same_...).
        messages._last_cards.clear()
        h.say(CAROL, f"0.2: Acme Corp {n}")
    # The card after each turn; the card before it was the previous turn's after.
    assert built[0] == 5


def test_a_new_merge_that_shows_the_same_counts_reuses_the_last_card(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "0.2: Acme Corp")
    built = counted(monkeypatch, messages, "_root_card")
    # The same item answered again: new contributions, a new merge, the same counts.
    for n in range(3):
        h.say(CAROL, f"0.2: Acme Corp {n}")
    assert built[0] == 0
    # A new item answered: a count changed, so the card is built, and shows it.
    h.say(BOB, "1.2: CVE-2026-1234")
    assert built[0] == 1
    assert h.state is not None
    assert shown(h, h.state) == fresh(h, h.state)  # (`fresh` builds one more)
    # A conflict on an answered item: built again (the count of answered items stays).
    h.say(CAROL, "1.1: incident")
    assert built[0] == 3
    h.say(BOB, "1.1: suspicious")
    assert built[0] == 4
    assert shown(h, h.state) == fresh(h, h.state)
    assert shown(h, h.state).open_conflicts


def test_a_sent_reports_contributions_are_not_kept_for_its_last_card() -> None:
    h = Harness()
    h.start()
    h.say(CAROL, "0.2: Acme Corp")
    assert h.state is not None
    sent = SentEmail(fingerprint="f", at=T0)
    state = h.state.model_copy(
        update={"delivery": h.state.delivery.model_copy(update={"last_sent": sent})}
    )
    messages._last_cards.pop(state.id, None)
    card = shown(h, state)
    # Its card counts the answers since the send: built for it, and nothing of it kept
    # beside the merge (which holds its contributions anyway, within the caches' budgets).
    assert state.id not in messages._last_cards
    assert card == fresh(h, state)
    assert card.answers_since_sent == 1
