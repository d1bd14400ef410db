"""Scripted events (demo, harness, benchmarks): fresh ids, the script's origin unless one is
given, the thread once known."""

from __future__ import annotations

from conversations import actions
from conversations.scripted import INTERNAL, ScriptedEvents
from tests.conversations.harness import ALICE, BOB, T0


def test_every_event_gets_a_fresh_id_and_the_scripts_origin() -> None:
    events = ScriptedEvents(platform="slack", workspace="T1", channel="C1", id_prefix="x-")
    reply = events.message(BOB, "1.1: yes")
    made = [
        events.command(ALICE, "new Title"),
        reply,
        events.edit(BOB, "m1", "1.1: no"),
        events.delete(BOB, "m1"),
    ]
    ids = [e.event_id for e in made] + [reply.message_id]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("x-") for i in ids)
    assert {(e.platform, e.workspace, e.channel) for e in made} == {("slack", "T1", "C1")}
    elsewhere = events.message(BOB, "hi", origin=("teams", "tenant"))
    assert (elsewhere.platform, elsewhere.workspace) == ("teams", "tenant")


def test_the_thread_and_report_once_known() -> None:
    events = ScriptedEvents(platform="demo", channel="C1")
    assert events.message(ALICE, "before").thread is None
    events.thread, events.report_id = "ROOT", "r1"
    assert events.message(ALICE, "after").thread == "ROOT"
    # A slash command carries no thread unless the script says it was typed in one.
    assert events.command(ALICE, "status").thread is None
    assert events.command(ALICE, "status", in_thread=True).thread == "ROOT"
    press = events.press(BOB, actions.CONFIRM_SEND, value="r1")
    assert (press.report_id, press.thread) == ("r1", None)
    root = events.root_posted(ALICE, "ROOT")
    assert (root.platform, root.report_id, root.message_id) == (INTERNAL, "r1", "ROOT")
    sent = events.outcome(ALICE, "r1:3", "sent", T0, message_id="<m@x>")
    assert (sent.platform, sent.report_id, sent.outcome) == (INTERNAL, "r1", "sent")
