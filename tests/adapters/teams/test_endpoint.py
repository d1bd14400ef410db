"""POST /api/messages: payload checks, stored references, idempotency, proactive posts."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.teams.chat import TeamsChat
from adapters.teams.framework import BotFramework, ConnectorError, TeamsSettings
from adapters.teams.references import entra_key, user_key
from adapters.teams.translate import MalformedActivity, from_activity
from conversations import actions
from conversations.effects import Post
from conversations.events import CommandIssued
from conversations.richtext import rich, user_text
from conversations.state import Actor
from storage.database import Database
from storage.teams_conversations import TeamsConversations
from tests.adapters.teams.activities import ALICE, BOB, BOT_ID, CHANNEL
from tests.adapters.teams.conftest import TeamsBot, start_bot
from tests.adapters.teams.fake_connector import FakeConnector


async def post_raw(teams: TeamsBot, body: bytes | str, content_type: str) -> int:
    response = await teams.client.post(
        "/api/messages", data=body, headers={"Content-Type": content_type}
    )
    return response.status


async def stored_rows(teams: TeamsBot) -> int:
    async with teams.store.database.engine.connect() as connection:
        result = await connection.exec_driver_sql("SELECT count(*) FROM teams_conversations")
        return int(result.scalar_one())


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"message"', "application/json", 400),
        ("{}", "application/json", 400),
        ('{"type": "message"}', "application/json", 400),
        (
            '{"type": "message", "serviceUrl": "http://x/", "channelId": "msteams",'
            ' "conversation": "19:x"}',
            "application/json",
            400,
        ),
        (
            '{"type": "message", "serviceUrl": "http://x/", "channelId": "msteams",'
            ' "conversation": {"id": "19:x"}}',
            "application/json",
            400,
        ),
        ('{"type": "message"}', "text/plain", 415),
        ("type=message", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_bad_payloads_are_4xx_and_store_nothing(
    teams: TeamsBot, body: str | bytes, content_type: str, status: int
) -> None:
    assert await post_raw(teams, body, content_type) == status
    assert await stored_rows(teams) == 0
    assert teams.driver.connector.calls == []


async def test_unreadable_fields_are_400_not_500(teams: TeamsBot) -> None:
    activity = teams.driver.activities.reply(BOB, "1000", "x")
    activity["timestamp"] = "not a time"
    assert await post_raw(teams, json.dumps(activity), "application/json") == 400
    activity = teams.driver.activities.reply(BOB, "1000", "x")
    activity["from"] = "29:someone"
    assert await post_raw(teams, json.dumps(activity), "application/json") == 400


async def test_odd_but_valid_activities_are_accepted_and_ignored(teams: TeamsBot) -> None:
    activities = teams.driver.activities
    odd = activities.reply(BOB, "1000", "x")
    odd.update(
        entities=[{"type": "mention", "mentioned": "x"}, {"type": "mention"}],
        channelData={"eventType": 7},
        value=None,
        text=None,
    )
    # What the SDK itself cannot read is refused, never a 500.
    unreadable = activities.reply(BOB, "1000", "x")
    unreadable["entities"] = "nonsense"
    assert await post_raw(teams, json.dumps(unreadable), "application/json") == 400
    typing = activities.reply(BOB, "1000", "x")
    typing["type"] = "typing"
    invoke = activities.reply(BOB, "1000", "x")
    invoke.update(type="invoke", name="adaptiveCard/action", value={"action": {}})
    for activity in (odd, typing, invoke):
        await teams.driver.deliver(activity)
    assert await teams.store.list_reports() == []


async def test_every_inbound_activity_leaves_a_reference(teams: TeamsBot) -> None:
    await teams.driver.deliver(teams.driver.activities.installed_in_team(ALICE))
    # A new book reads the database afresh, as a restarted process would.
    reference = await TeamsConversations(teams.store.database).load(CHANNEL)
    assert reference is not None
    assert reference["serviceUrl"] == teams.driver.connector.url
    assert reference["conversation"]["id"] == CHANNEL
    assert reference["conversation"]["tenantId"]
    assert reference["bot"]["id"] == BOT_ID
    assert "user" not in reference
    assert "activityId" not in reference
    # A thread's messages are stored under the channel, the sender under their user key.
    await teams.driver.deliver(teams.driver.activities.reply(BOB, "1000", "hello"))
    bob = await TeamsConversations(teams.store.database).load(user_key(BOB.id))
    assert bob is not None
    assert bob["user"]["id"] == BOB.id
    # And who has which Entra id (a message action names its author by that alone).
    entra = await TeamsConversations(teams.store.database).load(entra_key(BOB.aad))
    assert entra == {"user": {"id": BOB.id, "aadObjectId": BOB.aad}}
    # The channel; Alice's and Bob's user keys and Entra ids.
    assert await stored_rows(teams) == 5


async def test_redelivered_activity_changes_nothing(teams: TeamsBot) -> None:
    bot = teams.driver
    await bot.command("alice", "new Redelivery")
    sent_before = len(bot.connector.calls)
    await bot.redeliver_last()
    assert len(bot.connector.calls) == sent_before
    assert len(await teams.store.list_reports()) == 1
    await bot.reply("bob", "2.3: 203.0.113.7")
    calls = len(bot.connector.calls)
    await bot.redeliver_last()
    await bot.redeliver_last()
    assert len(bot.connector.calls) == calls
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    assert len([c for c in state.contributions if c.item_id == "detection.iocs"]) == 1


async def test_double_clicked_form_submit_records_once(teams: TeamsBot) -> None:
    bot = teams.driver
    await bot.command("alice", "new Double click")
    await bot.press("bob", actions.OPEN_FORM, "detection")
    values = {"detection.iocs": "203.0.113.9"}
    # Two clicks are two activities with different ids.
    await bot.submit_form("bob", "detection", values)
    await bot.submit_form("bob", "detection", values)
    first, second = bot.delivered[-2:]
    assert first["id"] != second["id"]
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    iocs = [c for c in state.contributions if c.item_id == "detection.iocs"]
    assert len(iocs) == 1
    assert iocs[0].author.id == BOB.id


async def test_double_clicked_button_is_one_press(teams: TeamsBot) -> None:
    bot = teams.driver
    await bot.command("alice", "new Double status")
    await bot.press("bob", actions.STATUS)
    clicked = dict(bot.delivered[-1], id="1763647299999")
    await bot.deliver(clicked)
    # A private notice opens with the report's name, then the status.
    assert len([t for t in bot.private_texts("bob") if "\nStatus of" in t]) == 1


async def test_private_notice_falls_back_to_the_thread(
    database: Database, connector: FakeConnector
) -> None:
    connector.refuse_personal_chats = True
    teams = await start_bot(database, connector)
    try:
        bot = teams.driver
        await bot.command("alice", "new Fallback")
        await bot.command("bob", "status")
        assert connector.personal_chats_opened()
        last = bot.thread_texts()[-1]
        assert last.startswith(f"For {BOB.name}:")
        assert "Status of Fallback" in last
    finally:
        await teams.close()


async def test_posts_after_a_restart_use_the_stored_reference(
    teams: TeamsBot, database: Database
) -> None:
    bot = teams.driver
    await bot.command("alice", "new Restart")
    thread = bot.thread
    # A new process: nothing in memory, only the database.
    framework = BotFramework(TeamsSettings())
    chat = TeamsChat(framework, TeamsConversations(database))
    try:
        hostile = "<at>Dana</at> **x**"
        message_id = await chat.post(
            Post(channel=CHANNEL, thread=thread, text=rich("Later: ", user_text(hostile)))
        )
    finally:
        await framework.close()
    last = bot.connector.calls[-1]
    assert last.result_id == message_id
    assert last.conversation_id == f"{CHANNEL};messageid={thread}"
    assert last.body["conversation"]["id"] == last.conversation_id
    assert last.body["from"]["id"] == BOT_ID
    assert "entities" not in last.body
    assert last.text == f"Later: {hostile}"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "id",
                "text",
                "value",
                "from",
                "recipient",
                "conversation",
                "entities",
                "channelData",
                "timestamp",
                "replyToId",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(
                        ["id", "type", "action", "mentioned", "eventType", "jcdc", "text"]
                    ),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=8,
        ),
    )
)
def test_translator_raises_nothing_but_malformed_activity(activity: dict[str, Any]) -> None:
    # An activity of the wrong shape is refused as MalformedActivity, which an endpoint
    # answers with a 4xx; nothing else may escape. tests/adapters/teams/test_fuzz.py fuzzes
    # the translator further.
    for candidate in (activity, {**activity, "type": "message", "id": "1"}):
        with contextlib.suppress(MalformedActivity):
            from_activity(candidate)


async def _report_with_pending_send(teams: TeamsBot) -> str:
    bot = teams.driver
    await bot.command("alice", "new Forgery target")
    await bot.reply("bob", "2.3: 203.0.113.7")
    await bot.command("alice", "send")
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    assert state.send_request is not None
    return state.id


def _card_data(report_id: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"jcdc": 1, "action": action, "value": report_id, "report_id": report_id, **extra}


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("19:another-channel@thread.tacv2", id="another-channel"),
        pytest.param("a:1mallory-personal-chat", id="a-personal-chat"),
    ],
)
async def test_a_forged_card_submit_naming_a_report_changes_nothing(
    teams: TeamsBot, where: str
) -> None:
    """A Teams client can put anything into a card submit: a report id from another
    channel, or typed into a personal chat with the bot, is a hint that does not match."""
    report_id = await _report_with_pending_send(teams)
    before = await teams.store.load(report_id)
    bot = teams.driver
    forged = [
        _card_data(report_id, actions.CANCEL_SEND),
        _card_data(report_id, actions.CONFIRM_SEND),
        {
            "jcdc": 1,
            "action": "submit_form",
            "report_id": report_id,
            "section_id": "detection",
            "answer:detection.iocs": "198.51.100.66",
        },
    ]
    for value in forged:
        await bot.deliver(bot.activities.submit(BOB, where, "card-1", value))
    assert await teams.store.load(report_id) == before
    assert await teams.store.submissions(report_id) == []
    trail = await teams.store.audit_trail(report_id)
    assert sum(1 for entry in trail if entry.action == "access_refused") == len(forged)


async def test_a_teams_submit_naming_a_slack_report_changes_nothing(teams: TeamsBot) -> None:
    """Report ids are unique across platforms, but a Teams event never acts on a Slack
    report, even with the lead's own user id."""
    runner = teams.runner
    slack_lead = Actor(id=ALICE.id, name="Same id on Slack")
    created = await runner.handle(
        CommandIssued(
            event_id="slack-new",
            platform="slack",
            workspace="T0SLACK",
            channel="C0SLACK",
            actor=slack_lead,
            text="new Slack report",
        )
    )
    assert created.step is not None
    assert created.step.state is not None
    slack_report = created.step.state.id
    before = await teams.store.load(slack_report)
    bot = teams.driver
    await bot.command("alice", "new Teams report")
    await bot.deliver(
        bot.activities.submit(ALICE, CHANNEL, "card-1", _card_data(slack_report, actions.SEND))
    )
    assert await teams.store.load(slack_report) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, 400, id="100000-deep"),
        pytest.param(b'{"a":' * 65 + b"1" + b"}" * 65, 400, id="just-too-deep"),
        pytest.param(b'{"text": "' + b"x" * (600 * 1024) + b'"}', 413, id="too-big"),
    ],
)
async def test_json_bounds_are_4xx_never_500(teams: TeamsBot, body: bytes, status: int) -> None:
    assert await post_raw(teams, body, "application/json") == status
    assert await stored_rows(teams) == 0


async def test_an_activity_whose_service_url_is_off_the_allow_list_stores_nothing(
    teams: TeamsBot,
) -> None:
    # Local mode: only loopback connectors. An activity naming another host is refused, so
    # no reference would ever send the bot there.
    activity = teams.driver.activities.mention_command(ALICE, "new Elsewhere")
    activity["serviceUrl"] = "https://attacker.example/"
    assert await post_raw(teams, json.dumps(activity), "application/json") == 403
    assert await stored_rows(teams) == 0
    assert await teams.store.list_reports() == []


async def test_the_bot_never_posts_to_a_stored_service_url_off_the_allow_list(
    teams: TeamsBot,
) -> None:
    bot = teams.driver
    await bot.command("alice", "new Allow-list")
    reference = await teams.conversations.load(CHANNEL)
    assert reference is not None
    # A reference written before the allow-list existed, or by hand.
    await teams.conversations.save(CHANNEL, reference | {"serviceUrl": "https://evil.example/"})
    calls = len(bot.connector.calls)
    with pytest.raises(ConnectorError, match="allow-list"):
        await TeamsChat(teams.framework, teams.conversations).post(
            Post(channel=CHANNEL, thread=bot.thread, text=rich("x"))
        )
    assert len(bot.connector.calls) == calls
