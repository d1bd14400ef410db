"""Asking for the preview: privately by anyone, in the thread only by the lead or an
approver (`preview here`), and page by page through buttons that carry only the report and
the page."""

from __future__ import annotations

from conversations import actions
from conversations.effects import Ephemeral, Post, ShowPreview
from conversations.engine import Step
from tests.conversations.harness import ALICE, BOB, CAROL, Harness, notices, with_approver


def previews(result: Step) -> list[ShowPreview]:
    return [e for e in result.effects if isinstance(e, ShowPreview)]


def started() -> Harness:
    h = Harness()
    h.start()
    return h


def test_preview_is_private_and_starts_on_page_one() -> None:
    h = started()
    (effect,) = previews(h.command(BOB, "preview"))
    assert (effect.user, effect.page, effect.here) == (BOB, 1, False)
    assert effect.thread == h.thread


def test_preview_takes_a_page_number() -> None:
    h = started()
    (effect,) = previews(h.command(CAROL, "preview 3"))
    assert (effect.user, effect.page, effect.here) == (CAROL, 3, False)


def test_the_lead_shows_the_preview_to_the_thread_and_it_is_audited() -> None:
    h = started()
    result = h.command(ALICE, "preview here")
    (effect,) = previews(result)
    assert (effect.user, effect.page, effect.here) == (ALICE, 1, True)
    assert [entry.action for entry in result.audit] == ["preview_shared"]
    (effect,) = previews(h.command(ALICE, "Preview Here 2"))
    assert (effect.page, effect.here) == (2, True)


def test_an_approver_may_show_it_to_the_thread_too() -> None:
    h = with_approver()
    (effect,) = previews(h.command(BOB, "preview here"))
    assert effect.here


def test_anyone_else_is_refused_privately_and_offered_their_own_copy() -> None:
    h = started()
    before = h.state
    result = h.command(CAROL, "preview here")
    assert previews(result) == []
    assert not [e for e in result.effects if isinstance(e, Post)]
    (notice,) = [e for e in result.effects if isinstance(e, Ephemeral)]
    assert notice.user == CAROL
    assert "Only the lead (Alice) or an approver can show the preview" in notices(result)[0]
    (button,) = notice.buttons
    assert h.state is not None
    assert (button.action, button.value) == (actions.PREVIEW_PAGE, f"{h.state.id}:1")
    assert h.state == before  # nothing recorded, nothing changed
    assert result.audit == ()
    # The button gives Carol the page privately.
    (effect,) = previews(h.press(CAROL, button.action, button.value))
    assert (effect.user, effect.page, effect.here) == (CAROL, 1, False)


def test_a_page_button_shows_that_page_privately_to_whoever_pressed_it() -> None:
    h = started()
    assert h.state is not None
    (effect,) = previews(h.press(BOB, actions.PREVIEW_PAGE, f"{h.state.id}:2"))
    assert (effect.user, effect.page, effect.here) == (BOB, 2, False)
    assert effect.report_id == h.state.id


def test_a_page_button_on_a_private_preview_turns_that_preview_in_place() -> None:
    """The page replaces the preview whose button was pressed (Slack's response_url, the
    Teams card in the personal chat), not one more private message."""
    h = started()
    assert h.state is not None
    press = h.events.press(BOB, actions.PREVIEW_PAGE, f"{h.state.id}:2", "TRIGGER")
    on_preview = press.model_copy(update={"private_reply": "https://hooks.slack.com/a/T/1"})
    (effect,) = previews(h.feed(on_preview))
    assert (effect.page, effect.reply_to) == (2, "https://hooks.slack.com/a/T/1")
    # Pressed in the thread (a shared preview): a new private page, nothing replaced.
    (from_thread,) = previews(h.press(BOB, actions.PREVIEW_PAGE, f"{h.state.id}:1"))
    assert from_thread.reply_to is None


def test_odd_arguments_and_page_values_get_a_friendly_word() -> None:
    h = started()
    assert h.state is not None
    odd = ("preview banana", "preview 0", "preview here here", "preview 1000", "preview \uff12")
    for text in odd:
        result = h.command(BOB, text)
        assert previews(result) == [], text
        assert "Use /jcdc preview" in notices(result)[0].replace("`", "")
    for value in (f"{h.state.id}:x", f"{h.state.id}:", "other-report:2", f"{h.state.id}:-1"):
        result = h.press(BOB, actions.PREVIEW_PAGE, value)
        assert previews(result) == [], value
        assert "That page button is from another preview" in notices(result)[0]


def test_the_help_names_the_page_and_here() -> None:
    h = started()
    (help_text,) = notices(h.command(BOB, "help"))
    assert "preview [here] [page]" in help_text
