"""Replies held for Record / Just talk, and the questions asked, survive a restart: they are
saved with the report (its navigation column), not kept in memory."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.state import Actor, PendingAnswer, PostedQuestion
from storage.repository import ReportStore
from tests.storage.states import create, rich_state

AT = datetime(2026, 12, 1, 22, 14, 5, 123456, tzinfo=UTC)


async def test_held_replies_and_asked_questions_are_loaded_back(store: ReportStore) -> None:
    state = rich_state().model_copy(
        update={
            "questions": (
                PostedQuestion(item_id="handling.org", message_id="1764627245.123456", at=AT),
                PostedQuestion(item_id="description.event_type", at=AT),
            ),
            "pending": (
                PendingAnswer(
                    id="p-1",
                    item_id="handling.org",
                    author=Actor(id="U_BOB", name="Bob"),
                    message_id="1764627246.000100",
                    text="has anyone paged legal yet?",
                    at=AT,
                ),
            ),
        }
    )
    saved = await create(store, state)
    # A fresh store over the same database: nothing comes from this one's cache.
    loaded = await ReportStore(store.database).load(saved.id)
    assert loaded is not None
    assert loaded.pending == state.pending
    assert loaded.questions == state.questions
