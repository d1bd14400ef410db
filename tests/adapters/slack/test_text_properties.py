"""Properties of undoing Slack's markup, for any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.text import to_typed_text
from tests.adapters.fuzzing import FUZZ

# What people type, with a bias towards the characters Slack rewrites.
typed = st.text(st.sampled_from("<>&;|@#!^ ltgamp") | st.characters(), max_size=40)


def slack_escapes(text: str) -> str:
    """What Slack does to the characters of a message that are not markup it made itself."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@FUZZ
@given(typed)
def test_escaped_text_comes_back_as_typed(text: str) -> None:
    assert to_typed_text(slack_escapes(text)) == text


@FUZZ
@given(st.text(st.characters(codec=None, categories=None)) | typed)
def test_any_text_gives_text(text: str) -> None:
    assert isinstance(to_typed_text(text), str)


@FUZZ
@given(typed.filter(lambda t: "|" not in t), typed.filter(lambda t: t != ""))
def test_a_link_reads_as_its_label(url: str, label: str) -> None:
    # Slack writes a link as <url|label>; people typed the label.
    link = f"<{slack_escapes('http://' + url)}|{slack_escapes(label)}>"
    assert to_typed_text(link) == label
