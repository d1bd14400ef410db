"""Teams UX through the real SDK and the fake connector: mentions that notify, private
notices that lead back to the report's thread."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.teams.deep_links import thread_link
from tests.adapters.teams.activities import ALICE, TENANT
from tests.adapters.teams.conftest import TeamsBot


async def test_the_welcome_mentions_the_lead_with_a_mention_entity(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")
    # The welcome is on the root card, with the first question.
    mentioning = [
        call
        for call in connector.sent(bot.activities.channel)
        if call.card.get("msteams", {}).get("entities")
    ]
    assert mentioning, "the root card mentions nobody"
    card = mentioning[0].card
    (entity,) = card["msteams"]["entities"]
    assert entity == {
        "type": "mention",
        "text": f"<at>{ALICE.name}</at>",
        "mentioned": {"id": ALICE.id, "name": ALICE.name},
    }
    # The tag the entity names is in a TextBlock, the one element where Teams resolves it.
    blocks = [b for b in _walk_blocks(card["body"]) if b["type"] == "TextBlock"]
    assert any(entity["text"] in b["text"] for b in blocks)


def _walk_blocks(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A card's elements, those inside containers included."""
    found: list[dict[str, Any]] = []
    for element in body:
        found.append(element)
        found += _walk_blocks(element.get("items", []))
    return found


async def test_a_private_notice_links_back_to_the_reports_thread(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")
    await bot.command("bob", "status")
    chat = bot.personal_chat("bob")
    (notice,) = connector.sent(chat)
    # The first line names the report the way people type it.
    assert notice.text.splitlines()[0] == "#1 Prompt injection in support copilot"
    links = [a for a in notice.card["actions"] if a["type"] == "Action.OpenUrl"]
    channel, thread = bot.activities.channel, bot.thread
    assert thread is not None
    assert [link["url"] for link in links] == [thread_link(channel, thread, TENANT)]
    url = urlsplit(links[0]["url"])
    assert (url.scheme, url.netloc) == ("https", "teams.microsoft.com")
    assert unquote(url.path) == f"/l/message/{channel}/{thread}"
    assert parse_qs(url.query) == {
        "tenantId": [TENANT],
        "parentMessageId": [thread],
        "createdTime": [thread],
    }


async def test_a_notice_posted_in_the_thread_has_no_link_to_itself(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")
    # No personal chat can be opened for Bob: the status falls back to the thread.
    connector.refuse_personal_chats = True
    await bot.command("bob", "status")
    thread = f"{bot.activities.channel};messageid={bot.thread}"
    addressed = [call for call in connector.sent(thread) if call.text.startswith("For ")]
    assert addressed
    assert all(a["type"] != "Action.OpenUrl" for a in addressed[-1].card.get("actions", []))


async def test_an_error_notice_names_the_report_it_is_about(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")
    await bot.command("bob", "frobnicate the widgets")
    (notice,) = connector.sent(bot.personal_chat("bob"))
    first, *rest = notice.text.splitlines()
    assert first == "#1 Prompt injection in support copilot"
    assert rest, "the notice says nothing beyond the report's name"
