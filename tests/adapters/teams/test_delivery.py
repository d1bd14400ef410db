"""A Teams activity → its identity for the inbox, its tenant, and the shapes it must have."""

from __future__ import annotations

import time
from typing import Any

import pytest

from adapters.event_limits import ID_MAX
from adapters.safe_json import UnreadableJson
from adapters.teams.translate import (
    MalformedActivity,
    TeamsDelivery,
    from_activity,
    read_activity,
    reference_of,
    teams_delivery,
    user_reference_of,
)
from conversations import actions
from conversations.events import MessagePosted
from tests.adapters.teams.activities import ALICE, BOB, BOT_ID, CHANNEL, TENANT, Activities

SERVICE = "https://smba.trafficmanager.net/amer/"
PERSONAL = "a:1dm-alice"
FORM_VALUE = {
    "jcdc": 1,
    "action": "submit_form",
    "report_id": "r1",
    "section_id": "detection",
    "answer:detection.iocs": "203.0.113.7",
}


def make() -> Activities:
    return Activities(SERVICE)


def handled() -> list[tuple[str, dict[str, Any], str]]:
    """(name, activity, the channel it is in) for every kind of activity the bot handles."""
    a = make()
    thread = f"{CHANNEL};messageid=1000"
    return [
        ("command", a.mention_command(ALICE, "new Title"), CHANNEL),
        ("reply", a.reply(BOB, "1000", "2.1: x"), CHANNEL),
        ("edit", a.edit(BOB, "1000", "1500", "2.1: y"), CHANNEL),
        ("delete", a.delete(BOB, "1000", "1500"), CHANNEL),
        ("personal", a.personal_message(ALICE, PERSONAL, "status"), PERSONAL),
        ("form", a.submit(BOB, PERSONAL, "9000", FORM_VALUE), PERSONAL),
        (
            "button",
            a.submit(ALICE, thread, "1000", {"jcdc": 1, "action": actions.STATUS, "value": "r1"}),
            CHANNEL,
        ),
    ]


@pytest.mark.parametrize(("name", "activity", "channel"), handled())
def test_a_handled_activity_and_its_event_are_from_the_same_place(
    name: str, activity: dict[str, Any], channel: str
) -> None:
    delivery = teams_delivery(activity)
    conversation = activity["conversation"]["id"]
    suffix = {"edit": ":messageUpdate:", "delete": ":messageDelete"}.get(name, "")
    assert delivery is not None
    assert delivery.delivery_id.startswith(f"{conversation}:{activity['id']}{suffix}")
    assert (delivery.workspace, delivery.channel, delivery.ignorable) == (TENANT, channel, False)
    event = from_activity(activity)
    assert event is not None
    assert (event.workspace, event.channel) == (delivery.workspace, delivery.channel)


def test_a_message_its_edits_and_its_deletion_are_different_deliveries() -> None:
    a = make()
    reply = a.reply(BOB, "1000", "2.1: x")
    first_edit = a.edit(BOB, "1000", reply["id"], "2.1: y")
    second_edit = a.edit(BOB, "1000", reply["id"], "2.1: z")
    deletion = a.delete(BOB, "1000", reply["id"])
    ids = [teams_delivery(x) for x in (reply, first_edit, second_edit, deletion)]
    assert len({d.delivery_id for d in ids if d is not None}) == 4
    # A re-delivery is the same delivery.
    assert teams_delivery(dict(first_edit)) == ids[1]


def test_a_double_click_is_two_deliveries_of_one_event() -> None:
    a = make()
    first = a.submit(BOB, PERSONAL, "9000", FORM_VALUE)
    second = a.submit(BOB, PERSONAL, "9000", FORM_VALUE)
    one, two = teams_delivery(first), teams_delivery(second)
    assert one is not None
    assert two is not None
    assert one.delivery_id != two.delivery_id
    # The turn runner drops the second by its event id.
    event_one, event_two = from_activity(first), from_activity(second)
    assert event_one is not None
    assert event_two is not None
    assert event_one.event_id == event_two.event_id


def ignorable() -> list[dict[str, Any]]:
    a = make()
    typing = a.reply(BOB, "1000", "x") | {"type": "typing"}
    reaction = a.reply(BOB, "1000", "x") | {"type": "messageReaction"}
    own = a.reply(BOB, "1000", "x") | {"from": {"id": BOT_ID, "name": "JCDC"}}
    chatter = a.reply(BOB, "1000", "hello")
    chatter["conversation"]["id"] = f"{CHANNEL};messageid={chatter['id']}"
    undelete = a.edit(BOB, "1000", "1500", "x")
    undelete["channelData"]["eventType"] = "undeleteMessage"
    foreign_card = a.submit(ALICE, PERSONAL, "1", {"action": "status"})
    invoke = a.reply(BOB, "1000", "x") | {"type": "invoke", "value": {"action": {}}}
    return [
        a.installed_in_team(ALICE),
        typing,
        reaction,
        own,
        chatter,
        undelete,
        foreign_card,
        invoke,
    ]


@pytest.mark.parametrize("activity", ignorable())
def test_activities_the_bot_does_not_handle_are_ignorable(activity: dict[str, Any]) -> None:
    delivery = teams_delivery(activity)
    assert delivery is not None
    assert delivery.ignorable
    assert delivery.workspace == TENANT
    assert from_activity(activity) is None


def test_without_an_id_or_a_type_it_is_not_a_delivery() -> None:
    reply = make().reply(BOB, "1000", "x")
    assert teams_delivery({}) is None
    assert teams_delivery({k: v for k, v in reply.items() if k != "id"}) is None
    assert teams_delivery({k: v for k, v in reply.items() if k != "type"}) is None


def test_the_tenant_is_the_workspace() -> None:
    a = make()
    personal = a.personal_message(ALICE, PERSONAL, "status")
    del personal["conversation"]["tenantId"]
    emulator = a.personal_message(ALICE, PERSONAL, "status")
    del emulator["conversation"]["tenantId"]
    del emulator["channelData"]
    for activity, tenant in ((personal, TENANT), (emulator, "")):
        event = from_activity(activity)
        assert event is not None
        assert event.workspace == tenant
        assert teams_delivery(activity) == TeamsDelivery(
            delivery_id=f"{PERSONAL}:{activity['id']}",
            workspace=tenant,
            channel=PERSONAL,
            ignorable=False,
        )


def test_a_long_conversation_id_is_shortened_not_refused() -> None:
    long_id = "a:" + "x" * 250
    activity = make().personal_message(ALICE, long_id, "status")
    delivery = teams_delivery(activity)
    assert delivery is not None
    assert len(delivery.delivery_id) <= ID_MAX
    assert delivery.delivery_id.endswith(f":{activity['id']}")
    assert delivery.channel == long_id
    other = make().personal_message(ALICE, "a:" + "y" * 250, "status")
    other["id"] = activity["id"]
    again = teams_delivery(other)
    assert again is not None
    assert again.delivery_id != delivery.delivery_id


def malformed() -> list[tuple[str, dict[str, Any], str]]:
    a = make()
    reply = a.reply(BOB, "1000", "x")
    edit = a.edit(BOB, "1000", "1500", "y")
    form = a.submit(BOB, PERSONAL, "9000", FORM_VALUE)
    return [
        ("text", reply | {"text": 5}, "text"),
        ("value", reply | {"value": "not an object"}, "value"),
        ("entities", reply | {"entities": "x"}, "entities"),
        ("entity", reply | {"entities": [1]}, "entities"),
        ("mention text", reply | {"entities": [{"type": "mention", "text": 3}]}, "text"),
        (
            "mentioned id",
            reply | {"entities": [{"type": "mention", "mentioned": {"id": 5}}]},
            "id",
        ),
        ("sender", reply | {"from": "29:someone"}, "from"),
        ("sender id", reply | {"from": {"id": 29}}, "from.id"),
        ("no sender", {k: v for k, v in reply.items() if k != "from"}, "sender"),
        ("conversation", reply | {"conversation": "19:x"}, "conversation"),
        ("conversation id", reply | {"conversation": {"id": 19}}, "conversation.id"),
        ("tenant", reply | {"channelData": {"tenant": "t"}}, "tenant"),
        ("timestamp", reply | {"timestamp": 1700000000}, "timestamp"),
        ("type", reply | {"type": ["message"]}, "type"),
        ("event type", edit | {"channelData": {"eventType": 7}}, "eventType"),
        ("card data", form | {"value": {**FORM_VALUE, "report_id": 1}}, "report_id"),
        ("card input", form | {"value": {**FORM_VALUE, "answer:x": {"a": 1}}}, "answer:x"),
        ("long id", reply | {"id": "1" * 300}, "longer than"),
    ]


@pytest.mark.parametrize(("name", "activity", "reason"), malformed())
def test_malformed_activities_are_refused(name: str, activity: dict[str, Any], reason: str) -> None:
    with pytest.raises(MalformedActivity, match=reason):
        from_activity(activity)
    with pytest.raises(MalformedActivity, match=reason):
        teams_delivery(activity)


def test_references_check_what_they_read_and_only_that() -> None:
    reply = make().reply(BOB, "1000", "x")
    with pytest.raises(MalformedActivity, match="conversation"):
        reference_of(reply | {"conversation": {"id": 19}})
    with pytest.raises(MalformedActivity, match="aadObjectId"):
        user_reference_of(reply | {"from": {"id": BOB.id, "aadObjectId": 7}})
    # The message's text is not part of a reference.
    assert reference_of(reply | {"text": 5}) == reference_of(reply)


def test_odd_but_valid_activities_still_translate() -> None:
    # What tests/adapters/teams/test_endpoint.py accepts as odd but valid stays accepted: a
    # mention naming nobody, an eventType where none is read, null text and value.
    odd = make().reply(BOB, "1000", "x") | {
        "entities": [{"type": "mention", "mentioned": "x"}, {"type": "mention"}],
        "channelData": {"eventType": 7},
        "value": None,
        "text": None,
    }
    event = from_activity(odd)
    assert isinstance(event, MessagePosted)
    assert event.text == ""


def test_a_naive_timestamp_is_read_as_utc_wherever_the_bot_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Far from UTC, so that reading the stamp as local time would land in another window.
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    value = {"jcdc": 1, "action": actions.STATUS, "value": "r1"}
    zoned = make().submit(ALICE, PERSONAL, "1000", value) | {"timestamp": "2026-11-20T14:00:01Z"}
    naive = zoned | {"timestamp": "2026-11-20T14:00:01"}
    try:
        one, two = from_activity(zoned), from_activity(naive)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert one is not None
    assert two is not None
    assert one.event_id == two.event_id


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[1]", MalformedActivity),
        ('"message"', MalformedActivity),
        ("{not json", UnreadableJson),
        (b"\xff", UnreadableJson),
        ("[" * 100, UnreadableJson),
    ],
)
def test_unreadable_bodies(body: str | bytes, error: type[ValueError]) -> None:
    with pytest.raises(error):
        read_activity(body)
    assert read_activity('{"type": "message"}') == {"type": "message"}


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
)
def test_a_press_at_the_ends_of_time_is_still_a_press(stamp: str) -> None:
    value = {"jcdc": 1, "action": actions.STATUS, "value": "r1"}
    press = make().submit(ALICE, PERSONAL, "1000", value) | {"timestamp": stamp}
    assert from_activity(press) is not None
