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
    (first,) = [line for line in chat.transcript if line.kind == "post"]
    await runner.handle(reply(ALICE, "amber", "E-1", thread))
    posts = [line for line in chat.transcript if line.kind == "post"]
    assert len(posts) == 2  # the first question, now answered, and the next one
    assert chat.edits == [first.message_id]
    answered = posts[0]
    assert answered.message_id == first.message_id
    assert "\u2713 0.1 Which TLP marking applies? — TLP:AMBER (Alice)" in answered.text
    assert [b.label for b in answered.buttons] == ["Undo"]
    assert posts[1].text.startswith("0.2 Which organisation reports?")


async def test_the_question_id_recorded_by_the_platform_is_found_after_a_restart(
    store: ReportStore,
) -> None:
    chat = StampedChat()
    _, thread = await start_report(_runner(store, chat), chat)
    (first,) = [line for line in chat.transcript if line.kind == "post"]
    # A new process (nothing remembered in memory), same platform messages.
    restarted = StampedChat(transcript=chat.transcript)
    await _runner(store, restarted).handle(reply(ALICE, "amber", "E-1", thread))
    assert restarted.edits == [first.message_id]
    assert "\u2713 0.1" in restarted.transcript[1].text


async def test_an_edit_whose_message_is_gone_is_posted_instead(store: ReportStore) -> None:
    chat = MemoryChat()
    _, thread = await start_report(_runner(store, chat), chat)
    # After a restart on a platform that keeps no record of the question (no QuestionPosted,
    # and the new process never posted it), the answer must still reach the thread.
    restarted = MemoryChat(id_prefix="n")
    await _runner(store, restarted).handle(reply(BOB, "0.2: Example Corp", "E-2", thread))
    await _runner(store, restarted).handle(reply(ALICE, "amber", "E-3", thread))
    assert restarted.edits == []
    texts = _thread_posts(restarted)
    assert any("\u2713 0.1 Which TLP marking applies? — TLP:AMBER (Alice)" in t for t in texts)
