"""Whatever people type or press, the engine answers with a step, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations import actions
from conversations.effects import Ephemeral, FormRejected, Post
from conversations.state import Actor
from tests.conversations.harness import ALICE, BOB, Harness

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
words = st.sampled_from(
    [
        "new",
        "status",
        "assign",
        "tlp",
        "resolve",
        "lead",
        "send",
        "confirm",
        "cancel",
        "reopen",
        "form",
        "skip",
        "back",
        "next",
        "later",
        "resume",
        "preview",
        "help",
        "1.3:",
        "2.1:",
        "0.1:",
        "9.9:",
        "//",
        "amber",
    ]
)
texts = st.one_of(
    st.text(max_size=200), st.lists(words | st.text(max_size=12), max_size=4).map(" ".join)
)


@FAST
@given(
    script=st.lists(
        st.tuples(
            st.sampled_from(["command", "say", "edit", "delete", "press", "form"]),
            st.sampled_from([ALICE, BOB]),
            texts,
        ),
        max_size=12,
    )
)
def test_any_sequence_of_events_is_handled(
    script: list[tuple[str, Actor, str]],
) -> None:
    h = Harness()
    h.start()
    for kind, person, text in script:
        if kind == "command":
            result = h.command(person, text, mentions=(BOB,))
        elif kind == "say":
            result = h.say(person, text, message_id=f"M{len(text) % 3}")
        elif kind == "edit":
            result = h.edit(person, f"M{len(text) % 3}", text)
        elif kind == "delete":
            result = h.delete(person, f"M{len(text) % 3}")
        elif kind == "press":
            result = h.press(person, sorted(actions.ALL)[len(text) % len(actions.ALL)], text)
        else:
            result = h.form(
                person,
                ["handling", "description", "detection", text][len(text) % 4],
                {"description.confidence": text, "detection.iocs": text},
            )
        assert h.state is not None
        for effect in result.effects:
            if isinstance(effect, Post | Ephemeral):
                assert effect.text, "every message says something"
            if isinstance(effect, FormRejected):
                assert all(effect.errors.values())
