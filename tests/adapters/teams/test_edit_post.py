"""EditPost on Teams: the card in the thread is updated in place (update activity on the
thread's conversation), and a message the connector does not know is a LookupError, which
the chat worker answers by posting the text instead."""

from __future__ import annotations

import pytest

from adapters.teams.chat import TeamsChat
from conversations.effects import EditPost
from conversations.richtext import plain
from tests.adapters.teams.conftest import TeamsBot


def _edit(bot: TeamsBot, text: str) -> EditPost:
    return EditPost(
        channel=bot.driver.activities.channel,
        thread=bot.driver.thread,
        report_id="r",
        message_id=None,
        text=(plain(text),),
    )


async def test_an_edit_updates_the_card_in_its_thread(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Edited in place")
    # The root asks the first question; its answer posts the thread's first one.
    await teams.driver.reply("alice", "amber")
    connector = teams.driver.connector
    thread = f"{teams.driver.activities.channel};messageid={teams.driver.thread}"
    (question,) = connector.sent(thread)
    chat = TeamsChat(teams.framework, teams.conversations)
    await chat.edit(_edit(teams, "\u2713 0.1 answered"), str(question.result_id))
    (update,) = [c for c in connector.updates() if c.activity_id == question.result_id]
    assert update.conversation_id == thread
    assert update.text == "\u2713 0.1 answered"


async def test_an_edit_of_an_unknown_message_is_a_lookup_error(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Edited in place")
    chat = TeamsChat(teams.framework, teams.conversations)
    with pytest.raises(LookupError):
        await chat.edit(_edit(teams, "lost?"), "1799999999999")
