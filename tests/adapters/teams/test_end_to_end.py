"""A whole report in a Teams channel: through the aiohttp endpoint, the real turn runner and
storage, to what the fake Bot Connector received."""

from __future__ import annotations

from conversations import actions
from conversations.state import ReportStatus
from tests.adapters.teams.activities import ALICE, BOB, BOT_ID, CAROL, TENANT
from tests.adapters.teams.conftest import TeamsBot


async def report_id(teams: TeamsBot) -> str:
    (summary,) = await teams.store.list_reports()
    return summary.id


async def test_a_report_from_new_to_confirmed_send(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")

    # The root card is a new channel post, and asks the first question itself (with the
    # welcome and the question's buttons): its thread is empty.
    root = connector.sent(bot.activities.channel)
    assert len(root) == 1
    assert "Prompt injection in support copilot" in root[0].text
    assert "TLP:AMBER" in root[0].text
    assert "Report started by" in root[0].text
    assert "0.1 Which TLP 2.0 marking should this report carry?" in root[0].text
    assert any(a["action"] == actions.ANSWER for a in root[0].actions())
    thread = bot.thread
    assert thread is not None
    assert bot.thread_texts() == []
    rid = await report_id(teams)
    state = await teams.store.load(rid)
    assert state is not None
    assert (state.platform, state.channel, state.thread) == (
        "teams",
        bot.activities.channel,
        thread,
    )

    # Three people answer in the thread. The lead's answer to the root's question is told
    # to her privately, with its Undo; the next question is the thread's first post.
    await bot.reply("alice", "amber")
    assert any("Recorded 0.1 from" in t for t in bot.private_texts("alice"))
    acknowledged = connector.sent(bot.personal_chat("alice"))
    assert any(a["action"] == actions.UNDO for c in acknowledged for a in c.actions())
    assert len(bot.thread_texts()) == 1
    assert "Report started by" not in bot.root_text()
    await bot.reply("bob", "Example Corp")  # 0.3, on its own message
    bob_said = await bot.reply("bob", "2.3: 203.0.113.7, evil[.]example")
    carol_said = await bot.reply("carol", "4.2: Example AI Labs")
    state = await teams.store.load(rid)
    assert state is not None
    authors = {(c.item_id, c.author.name) for c in state.contributions if c.active}
    assert ("handling.tlp", ALICE.name) in authors
    assert ("detection.iocs", BOB.name) in authors
    assert ("artifacts.developer", CAROL.name) in authors
    # 4.2 was not asked in the thread: Carol alone hears what was recorded.
    assert any("Example AI Labs" in text for text in bot.private_texts("carol"))

    # Carol edits her answer, Bob deletes his.
    await bot.edit("carol", carol_said, "4.2: Example AI Labs, fine-tune by Contoso")
    await bot.delete("bob", bob_said)
    state = await teams.store.load(rid)
    assert state is not None
    developer = [c for c in state.contributions if c.item_id == "artifacts.developer"]
    assert [c.raw for c in developer if c.active] == ["Example AI Labs, fine-tune by Contoso"]
    iocs = [c for c in state.contributions if c.item_id == "detection.iocs"]
    assert iocs
    assert all(not c.active for c in iocs)

    # Dana opens section 1's form from the root card; it arrives in her personal chat.
    await bot.press("dana", actions.OPEN_FORM, "description")
    dana_chat = bot.personal_chat("dana")
    assert dana_chat is not None
    opened = connector.personal_chats_opened()[0].body
    assert opened["channelData"] == {"tenant": {"id": TENANT}}
    assert opened["bot"]["id"] == BOT_ID
    assert opened["isGroup"] is False
    assert "Section 1" in bot.private_texts("dana")[-1]
    await bot.submit_form(
        "dana",
        "description",
        {"description.event_type": "attempted_attack", "description.cves": "CVE-2024-3094"},
    )
    state = await teams.store.load(rid)
    assert state is not None
    via_form = {c.item_id: c.raw for c in state.contributions if c.via == "form" and c.active}
    assert via_form == {
        "description.event_type": "attempted_attack",
        "description.cves": "CVE-2024-3094",
    }

    # Status and preview are private: they go to the asker's personal chat.
    await bot.command("bob", "status")
    assert "Status of Prompt injection" in bot.private_texts("bob")[-1]
    await bot.command("alice", "preview")
    preview = bot.private_texts("alice")[-1]
    # The TLP line first, as the report opens; then the title.
    assert preview.startswith("TLP:AMBER — limited disclosure")
    assert preview.splitlines()[1] == "Preview: Prompt injection in support copilot"
    assert "CVE-2024-3094" in preview

    # The root card was kept up to date in place; the answered question (0.3) was edited in
    # its thread, where it was posted.
    root_updates = [c for c in connector.updates() if c.activity_id == thread]
    assert root_updates
    assert all(c.conversation_id == bot.activities.channel for c in root_updates)
    edited = [c for c in connector.updates() if c.activity_id != thread]
    assert edited
    assert all(c.conversation_id == f"{bot.activities.channel};messageid={thread}" for c in edited)
    assert "1 Description" in bot.root_text()
    assert "TLP:AMBER" in bot.root_text()

    # Send → confirmation buttons in the thread → Confirm.
    await bot.press("alice", actions.SEND)
    assert any(a["action"] == actions.CONFIRM_SEND for c in connector.sent() for a in c.actions())
    await bot.press("alice", actions.CONFIRM_SEND)
    submissions = await teams.store.submissions(rid)
    assert len(submissions) == 1
    assert submissions[0].status == "pending"
    state = await teams.store.load(rid)
    assert state is not None
    assert state.status is ReportStatus.SUBMIT_REQUESTED
    assert any("queued" in text for text in bot.thread_texts())

    # Nothing the bot sent was anything but an Adaptive Card message.
    assert all(c.body["type"] == "message" for c in connector.sent())
