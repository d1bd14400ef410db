"""EditPost through the turn runner and the chat worker: an answered question's message is
edited in place (found by its id even when the platform confirmed it only after the answer
was written, and after a restart), and an edit whose message is gone is posted instead of
lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.memory import MemoryChat
from bot.runner import TurnRunner
from conversations.policy import Policy
from storage.repository import ReportStore
from tests.bot.test_runner import reply, start_report
from tests.conversations.harness import ALICE, BOB, small_checklist


@dataclass
class StampedChat(MemoryChat):
    """A memory chat whose message ids carry their time, like Slack's ts: its questions come
    back as QuestionPosted turns that record their ids in the report."""

    def next_id(self) -> str:
        return f"{datetime.now(UTC).timestamp():.6f}{super().next_id()}"

    def message_time(self, message_id: str) -> datetime:
        return datetime.fromtimestamp(float(message_id.partition("m")[0]), UTC)


def _runner(store: ReportStore, chat: MemoryChat) -> TurnRunner:
    return TurnRunner(store, chat, small_checklist(), Policy())


def _thread_posts(chat: MemoryChat) -> list[str]:
    return chat.texts("post")


async def test_an_answer_edits_its_question_and_asks_the_next_in_one_new_post(
    store: ReportStore,
) -> None:
    chat = MemoryChat()
    runner = _runner(store, chat)
    _, thread = await start_report(runner, chat)
    # The root asks 0.1; its answer brings the thread's first post, 0.2.
    await runner.handle(reply(ALICE, "amber", "E-1", thread))
    (first,) = [line for line in chat.transcript if line.kind == "post"]
    assert chat.edits == []
    await runner.handle(reply(BOB, "Example Corp", "E-2", thread))
    posts = [line for line in chat.transcript if line.kind == "post"]
    assert len(posts) == 2  # 0.2, now answered, and the next one
    assert chat.edits == [first.message_id]
    answered = posts[0]
    assert answered.message_id == first.message_id
    assert "\u2713 0.2 Which organisation reports? — Example Corp (Bob)" in answered.text
    assert [b.label for b in answered.buttons] == ["Undo"]
    assert posts[1].text.startswith("1.1 What kind of event is it?")


async def test_the_question_id_recorded_by_the_platform_is_found_after_a_restart(
    store: ReportStore,
) -> None:
    chat = StampedChat()
    runner = _runner(store, chat)
    _, thread = await start_report(runner, chat)
    await runner.handle(reply(ALICE, "amber", "E-1", thread))
    (first,) = [line for line in chat.transcript if line.kind == "post"]
    # A new process (nothing remembered in memory), same platform messages.
    restarted = StampedChat(transcript=chat.transcript)
    await _runner(store, restarted).handle(reply(BOB, "Example Corp", "E-2", thread))
    assert restarted.edits == [first.message_id]
    (edited,) = [line for line in restarted.transcript if line.message_id == first.message_id]
    assert "\u2713 0.2" in edited.text


async def test_an_edit_whose_message_is_gone_is_posted_instead(store: ReportStore) -> None:
    chat = MemoryChat()
    runner = _runner(store, chat)
    _, thread = await start_report(runner, chat)
    await runner.handle(reply(ALICE, "amber", "E-1", thread))  # 0.2 is posted
    # After a restart on a platform that keeps no record of the question (no QuestionPosted,
    # and the new process never posted it), the answer must still reach the thread.
    restarted = MemoryChat(id_prefix="n")
    await _runner(store, restarted).handle(reply(BOB, "Example Corp", "E-3", thread))
    assert restarted.edits == []
    texts = _thread_posts(restarted)
    assert any("\u2713 0.2 Which organisation reports? — Example Corp (Bob)" in t for t in texts)


async def test_an_edit_of_the_first_question_asked_again_never_rewrites_the_root(
    store: ReportStore,
) -> None:
    """The root asked 0.1 first (its id is on record as that question's); `back` asks it
    again in the thread, unconfirmed by the platform: the answer's edit goes to that thread
    message, never to the root, which stays the report's summary."""
    chat = MemoryChat()
    runner = _runner(store, chat)
    _, thread = await start_report(runner, chat)
    assert _thread_posts(chat) == []  # the root asks 0.1
    await runner.handle(reply(ALICE, "skip", "E-1", thread))
    await runner.handle(reply(ALICE, "back", "E-2", thread))
    asked = [line for line in chat.transcript if line.kind == "post"]
    assert asked[-1].text.startswith("Back to 0.1")
    await runner.handle(reply(ALICE, "red", "E-3", thread))
    assert chat.edits == [asked[-1].message_id]
    (edited,) = [line for line in chat.transcript if line.message_id == asked[-1].message_id]
    assert "\u2713 0.1 Which TLP marking applies? — TLP:RED (Alice)" in edited.text
    # Nothing was posted in place of a failed edit: only the next question is new.
    assert len(_thread_posts(chat)) == len(asked) + 1
