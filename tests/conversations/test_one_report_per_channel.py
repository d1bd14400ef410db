"""One report per thread, never a guess (issue 11, rule 5): the engine's side."""

from __future__ import annotations

from tests.conversations.harness import ALICE, BOB, Harness, notices


def test_a_second_new_over_an_open_report_asks_and_changes_nothing() -> None:
    h = Harness()
    h.start()
    before = h.state
    result = h.command(BOB, "new Another one")
    assert h.state == before
    assert result.effects
    assert not result.audit
    assert notices(result) == [
        "This channel already has an open JCDC report: Prompt injection in support copilot "
        "(lead Alice). Answer in its thread, or start another on purpose with "
        "`/jcdc new another: Another one`."
    ]


def test_cancel_then_reopen() -> None:
    h = Harness()
    h.start()
    h.command(ALICE, "cancel")
    assert h.state is not None
    assert h.state.status.value == "cancelled"
    h.command(ALICE, "reopen")
    assert h.state.status.value == "open"


def test_a_title_that_starts_with_another_stays_a_title() -> None:
    h = Harness()
    h.command(ALICE, "new Another phishing wave")
    assert h.state is not None
    assert h.state.title == "Another phishing wave"
