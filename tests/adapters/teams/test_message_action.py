""" "Add to JCDC report" as a Teams message action, through the endpoint, the real runner and
storage: the task card fetchTask answers with, and the submission recorded as the message
author's answer, added by whoever used the action."""

from __future__ import annotations

from typing import Any

from adapters.teams.translate import ADD_TO_REPORT_COMMAND
from conversations.state import ReportState
from tests.adapters.teams.activities import BOB, CAROL, TENANT, Person
from tests.adapters.teams.conftest import TeamsBot

CVE_ITEM = "description.cves"
MESSAGE_ID = "1733160000000"


def _invoke(teams: TeamsBot, name: str, sender: Person, value: dict[str, Any]) -> dict[str, Any]:
    activities = teams.driver.activities
    activity = activities._base(
        "invoke",
        sender,
        {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": activities.channel,
        },
    )
    activity.update(name=name, value=value, channelData=activities._channel_data())
    return activity


def _value(author: Person, data: dict[str, str] | None = None, command: str = "") -> dict[str, Any]:
    value: dict[str, Any] = {
        "commandId": command or ADD_TO_REPORT_COMMAND,
        "commandContext": "message",
        "messagePayload": {
            "id": MESSAGE_ID,
            "messageType": "message",
            "from": {"user": {"id": author.aad, "displayName": author.name}},
            "body": {"contentType": "html", "content": "<p>We saw <b>CVE-2024-3094</b></p>"},
        },
    }
    if data is not None:
        value["data"] = data
    return value


async def _fetch(teams: TeamsBot, value: dict[str, Any]) -> dict[str, Any]:
    activity = _invoke(teams, "composeExtension/fetchTask", BOB, value)
    response = await teams.client.post("/api/messages", json=activity)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def _report(teams: TeamsBot) -> ReportState:
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    return state


async def test_fetch_task_offers_the_open_report_and_the_message(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    report = await _report(teams)
    answer = await _fetch(teams, _value(CAROL))
    card = answer["task"]["value"]["card"]["content"]
    inputs = {b["id"]: b for b in card["body"] if "id" in b}
    assert inputs["report_id"]["value"] == report.id
    assert inputs["report_id"]["choices"][0]["title"].startswith("#1 Prompt injection")
    assert inputs["text"]["value"] == "We saw CVE-2024-3094"
    items = [c["value"] for c in inputs["item_id"]["choices"]]
    assert CVE_ITEM in items
    assert "handling.tlp" not in items
    # Nothing was stored for asking: the report is as it was.
    assert await _report(teams) == report


async def test_fetch_task_without_an_open_report_says_so(teams: TeamsBot) -> None:
    answer = await _fetch(teams, _value(CAROL))
    assert answer["task"]["type"] == "message"
    assert "no open JCDC report" in answer["task"]["value"]


async def test_submit_action_records_the_authors_answer(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    report = await _report(teams)
    data = {"report_id": report.id, "item_id": CVE_ITEM, "text": "CVE-2024-3094"}
    await teams.driver.deliver(
        _invoke(teams, "composeExtension/submitAction", BOB, _value(CAROL, data))
    )
    after = await _report(teams)
    (added,) = [c for c in after.contributions if c.item_id == CVE_ITEM]
    # Carol never sent the bot anything, and Teams (the fake, without members) cannot say
    # who she is: only her Entra id is known.
    assert (added.author.id, added.author.name) == (CAROL.aad, CAROL.name)
    assert added.added_by is not None
    assert added.added_by.id == BOB.id
    assert added.via == "shortcut"
    assert added.source_message_id == MESSAGE_ID
    assert any("added by Bob Brown" in text for text in teams.driver.thread_texts())


async def test_forged_submissions_change_nothing(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    report = await _report(teams)
    for data in (
        {"report_id": "no-such-report", "item_id": CVE_ITEM, "text": "CVE-2024-3094"},
        {"report_id": report.id, "item_id": "handling.tlp", "text": "red"},
        {"report_id": report.id, "item_id": CVE_ITEM, "text": "x" * 5000},
    ):
        await teams.driver.deliver(
            _invoke(teams, "composeExtension/submitAction", BOB, _value(CAROL, data))
        )
    assert await _report(teams) == report
    # Each was answered privately, in Bob's personal chat.
    notices = teams.driver.private_texts("bob")
    assert len(notices) == 3
    assert "nothing was changed" in notices[0]
    assert "nothing was added" in notices[1]
    assert "longer than 3,000 characters" in notices[2]
    # Without a report at all it is the sender's error: a 4xx, never a 500.
    await teams.driver.deliver(
        _invoke(teams, "composeExtension/submitAction", BOB, _value(CAROL, {})), expect=400
    )
    assert await _report(teams) == report


async def test_an_author_who_replied_in_the_thread_is_one_person_in_the_report(
    teams: TeamsBot,
) -> None:
    # Teams names the message's author by their Entra id; the report knows Carol by the
    # 29: id her own replies carry. Both must be one person: her own Undo, her edits.
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    await teams.driver.reply("alice", "amber")
    await teams.driver.reply("carol", "0.3: Example Corp")
    report = await _report(teams)
    data = {"report_id": report.id, "item_id": CVE_ITEM, "text": "CVE-2024-3094"}
    await teams.driver.deliver(
        _invoke(teams, "composeExtension/submitAction", BOB, _value(CAROL, data))
    )
    after = await _report(teams)
    (added,) = [c for c in after.contributions if c.item_id == CVE_ITEM]
    assert added.author.id == CAROL.id
    assert {c.author.id for c in after.contributions if c.author.name == CAROL.name} == {CAROL.id}
    await teams.driver.press("carol", "undo")
    (undone,) = [c for c in (await _report(teams)).contributions if c.item_id == CVE_ITEM]
    assert undone.retracted_reason == "undone"


async def test_an_author_the_bot_never_heard_from_is_asked_of_teams_once(teams: TeamsBot) -> None:
    # Carol never wrote to the bot: Teams is asked which member has her Entra id, and the
    # answer is kept (a second message of hers needs no question).
    teams.driver.connector.add_member(CAROL.account())
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    report = await _report(teams)
    for text in ("CVE-2024-3094", "CVE-2024-3095"):
        data = {"report_id": report.id, "item_id": CVE_ITEM, "text": text}
        value = _value(CAROL, data)
        value["messagePayload"]["id"] = text  # another message each time
        await teams.driver.deliver(_invoke(teams, "composeExtension/submitAction", BOB, value))
    added = [c for c in (await _report(teams)).contributions if c.item_id == CVE_ITEM]
    assert [c.author.id for c in added] == [CAROL.id, CAROL.id]
    (lookup,) = teams.driver.connector.member_lookups()
    assert lookup.result_id == CAROL.id
    # Her own reply later is the same person.
    await teams.driver.reply("carol", "0.3: Example Corp")
    state = await _report(teams)
    assert {c.author.id for c in state.contributions if c.author.name == CAROL.name} == {CAROL.id}
