"""A Slack request body → its kind, its identity for the inbox, and (later) its event.

The fixtures are the bodies the end-to-end tests post (tests/adapters/slack/payloads.py), read
the way the inbox reads them: raw body and content type first."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from adapters.slack.blocks import modal_view
from adapters.slack.http import Refused, parse_body
from adapters.slack.translate import (
    BadPayload,
    SlackDelivery,
    SlackKind,
    from_block_actions,
    from_event_callback,
    from_slack_delivery,
    from_slash_command,
    from_view_submission,
    slack_delivery,
)
from conversations.effects import SectionForm
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_USER, TEAM

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
THREAD = "1700000000.000100"


def form_view() -> dict[str, Any]:
    return modal_view(
        SectionForm(report_id="r1", section_id="description", title="1 Description", fields=()),
        payloads.CHANNEL,
    )


def read(body: str, content_type: str) -> tuple[SlackKind, dict[str, Any]]:
    """The body as the endpoint reads it (aiohttp hands it the media type without params)."""
    kind, found = parse_body(body.encode(), content_type.split(";", 1)[0].strip())
    assert kind is not None
    return kind, found


# --- reading bodies ------------------------------------------------------------------------


def test_bodies_are_told_apart_by_content_type_and_shape() -> None:
    kind, command = read(payloads.slash_command("U0ALICE", "new Title"), FORM)
    assert kind == "command"
    assert command["text"] == "new Title"
    kind, event = read(payloads.event_callback(payloads.thread_message("U0A", "x", THREAD)), JSON)
    assert kind == "event"
    assert event["type"] == "event_callback"
    click = payloads.block_actions("U0A", "status", "r1", THREAD)
    kind, interaction = read(click, f"{FORM}; charset=utf-8")
    assert kind == "interaction"
    assert interaction["type"] == "block_actions"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{}", "text/plain", 415),
        ("{}", "", 415),
        ("[1, 2]", JSON, 400),
        ('"event"', JSON, 400),
        ("{not json", JSON, 400),
        ("[" * 1000, JSON, 400),
        (urlencode({"payload": "[1]"}), FORM, 400),
        (urlencode({"payload": "{not json"}), FORM, 400),
        ("just words", FORM, 400),
    ],
)
def test_unreadable_bodies_are_refused(body: str, content_type: str, status: int) -> None:
    with pytest.raises(Refused) as refused:
        parse_body(body.encode(), content_type)
    assert refused.value.status == status


# --- identities agree with event ids ---------------------------------------------------------


def deliveries() -> list[tuple[str, str, str, type[object], str]]:
    """(body, content type, expected delivery id, event class, event id prefix)."""
    command = payloads.slash_command("U0ALICE", "status")
    thread_reply = payloads.event_callback(
        payloads.thread_message("U0ALICE", "4.2: x", THREAD), "EvREPLY"
    )
    broadcast = payloads.thread_message("U0ALICE", "4.2: x", THREAD)
    broadcast["subtype"] = "thread_broadcast"
    file_share = payloads.thread_message("U0ALICE", "see file", THREAD)
    file_share.update(subtype="file_share", files=[{"id": "F1"}])
    edited = payloads.message_changed("U0ALICE", "1700000100.000200", "new", "old", THREAD)
    deleted = payloads.message_deleted("U0ALICE", "1700000100.000200", "old", THREAD)
    click = payloads.block_actions("U0ALICE", "status", "r1", THREAD, action_ts="1700000400.5")
    view = payloads.view_submission("U0ALICE", form_view(), {"description.notes": {"value": "n"}})
    view_payload = json.loads(dict(_form(view))["payload"])
    return [
        (command, FORM, _form(command)["trigger_id"], CommandIssued, "command"),
        (thread_reply, JSON, "EvREPLY", MessagePosted, "event"),
        (payloads.event_callback(broadcast, "EvCAST"), JSON, "EvCAST", MessagePosted, "event"),
        (payloads.event_callback(file_share, "EvFILE"), JSON, "EvFILE", MessagePosted, "event"),
        (payloads.event_callback(edited, "EvEDIT"), JSON, "EvEDIT", MessageEdited, "event"),
        (payloads.event_callback(deleted, "EvDEL"), JSON, "EvDEL", MessageDeleted, "event"),
        (click, FORM, "U0ALICE:1700000400.5", ButtonPressed, "action"),
        (
            view,
            FORM,
            f"{view_payload['view']['id']}:{view_payload['view']['hash']}",
            FormSubmitted,
            "view",
        ),
    ]


def _form(body: str) -> dict[str, str]:
    return dict(parse_qsl(body, keep_blank_values=True))


@pytest.mark.parametrize(("body", "content_type", "delivery_id", "kind", "prefix"), deliveries())
def test_a_delivery_and_its_event_name_the_same_thing(
    body: str, content_type: str, delivery_id: str, kind: type[object], prefix: str
) -> None:
    platform_kind, payload = read(body, content_type)
    delivery = slack_delivery(platform_kind, payload)
    assert delivery == SlackDelivery(
        delivery_id=delivery_id, workspace=TEAM, channel=payloads.CHANNEL, ignorable=False
    )
    for bot in (None, BOT_USER):
        event = from_slack_delivery(platform_kind, payload, bot)
        assert event is not None
        assert isinstance(event, kind)
        assert event.event_id == f"{prefix}:{delivery_id}"
        assert (event.workspace, event.channel) == (delivery.workspace, delivery.channel)


def test_the_translators_alone_give_the_same_events() -> None:
    # from_slack_delivery only dispatches: the old endpoints call the translators directly.
    for body, content_type, _, _, _ in deliveries():
        kind, payload = read(body, content_type)
        direct: object
        if kind == "command":
            direct = from_slash_command(payload)
        elif kind == "event":
            direct = from_event_callback(payload, BOT_USER)
        elif payload["type"] == "block_actions":
            direct = from_block_actions(payload)
        else:
            direct = from_view_submission(payload)
        assert direct is not None
        assert direct == from_slack_delivery(kind, payload, BOT_USER)


# --- ignorable, and not deliveries at all --------------------------------------------------------


def event_body(event: dict[str, Any], **envelope: Any) -> dict[str, object]:
    body = json.loads(payloads.event_callback(event, "EvX"))
    assert isinstance(body, dict)
    body.update(envelope)
    return body


def ignorable_events() -> list[dict[str, object]]:
    reply = payloads.thread_message("U0ALICE", "x", THREAD)
    return [
        # A top-level message, and a thread's root (its thread_ts is its own ts).
        event_body({k: v for k, v in reply.items() if k != "thread_ts"}),
        event_body({**reply, "ts": THREAD}),
        event_body({**reply, "bot_id": "B0OTHER"}),
        event_body({**reply, "subtype": "bot_message"}),
        event_body({**reply, "subtype": "channel_join"}),
        event_body({"type": "reaction_added", "user": "U0ALICE", "item": {"channel": "C1"}}),
        event_body({"type": "channel_created", "channel": {"id": "C2", "name": "new"}}),
        event_body(
            payloads.message_changed("U0BOT", "1.2", "new", "old", THREAD)
            | {"message": {"user": "U0X", "text": "x", "ts": "1.2", "bot_id": "B1"}}
        ),
    ]


@pytest.mark.parametrize("body", ignorable_events())
def test_events_the_bot_does_not_handle_are_ignorable(body: dict[str, object]) -> None:
    delivery = slack_delivery("event", body)
    assert delivery is not None
    assert delivery.ignorable
    assert delivery.delivery_id == "EvX"
    for bot in (None, BOT_USER):
        assert from_slack_delivery("event", body, bot) is None


def test_the_bots_own_user_is_known_from_the_envelope() -> None:
    # Without a bot_id (a message the bot's user posted some other way): the envelope names
    # the bot installation's user, so the delivery is ignorable without asking Slack.
    own = event_body({**payloads.thread_message(BOT_USER, "x", THREAD)})
    delivery = slack_delivery("event", own)
    assert delivery is not None
    assert delivery.ignorable
    assert from_slack_delivery("event", own, BOT_USER) is None
    # A user installation's user is a person, whose messages count.
    by_person = event_body(
        payloads.thread_message("U0ALICE", "x", THREAD),
        authorizations=[{"team_id": TEAM, "user_id": "U0ALICE", "is_bot": False}],
    )
    delivery = slack_delivery("event", by_person)
    assert delivery is not None
    assert not delivery.ignorable


def interaction(body: str) -> dict[str, Any]:
    kind, payload = read(body, FORM)
    assert kind == "interaction"
    return payload


def test_interactions_the_bot_does_not_handle_are_ignorable() -> None:
    no_actions = interaction(payloads.block_actions("U0A", "status", "r1", THREAD))
    no_actions["actions"] = []
    other_view = interaction(payloads.view_submission("U0A", {"callback_id": "not_ours"}, {}))
    shortcut = {"type": "shortcut", "callback_id": "x", "trigger_id": "1.2", "team": {"id": TEAM}}
    closed = {"type": "view_closed", "team": {"id": TEAM}, "view": {"id": "V1"}}
    for payload in (no_actions, other_view, shortcut, closed):
        delivery = slack_delivery("interaction", payload)
        assert delivery is not None
        assert delivery.ignorable
        assert delivery.workspace == TEAM
        assert from_slack_delivery("interaction", payload, BOT_USER) is None


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("event", {"type": "url_verification", "token": "x", "challenge": "abc"}),
        ("event", {"type": "app_rate_limited", "team_id": TEAM, "minute_rate_limited": 1}),
        ("command", {"ssl_check": "1", "token": "x"}),
    ],
)
def test_handshakes_are_not_deliveries(kind: SlackKind, body: dict[str, object]) -> None:
    assert slack_delivery(kind, body) is None
    assert from_slack_delivery(kind, body, BOT_USER) is None


# --- workspaces -----------------------------------------------------------------------------


def command_with(**fields: object) -> dict[str, object]:
    return {**_form(payloads.slash_command("U0A", "status")), **fields}


@pytest.mark.parametrize(
    ("fields", "workspace"),
    [
        ({}, TEAM),  # the fixture's enterprise_id is "" outside Grid
        ({"enterprise_id": "E0GRID"}, "E0GRID"),
        ({"team_id": "", "enterprise_id": ""}, ""),
    ],
)
def test_a_commands_workspace(fields: dict[str, str], workspace: str) -> None:
    assert from_slash_command(command_with(**fields)).workspace == workspace
    delivery = slack_delivery("command", command_with(**fields))
    assert delivery is not None
    assert delivery.workspace == workspace


def test_an_events_workspace_is_the_grid_org_from_any_place_it_is_named() -> None:
    reply = payloads.thread_message("U0A", "x", THREAD)
    plain = event_body(reply)
    top_level = event_body(reply, enterprise_id="E0TOP")
    authorized = event_body(
        reply, authorizations=[{"enterprise_id": "E0AUTH", "team_id": TEAM, "is_bot": True}]
    )
    nameless = event_body(reply, team_id=None, authorizations=[])
    for body, workspace in (
        (plain, TEAM),
        (top_level, "E0TOP"),
        (authorized, "E0AUTH"),
        (nameless, ""),
    ):
        event = from_event_callback(body, BOT_USER)
        assert event is not None
        assert event.workspace == workspace
        delivery = slack_delivery("event", body)
        assert delivery is not None
        assert delivery.workspace == workspace


def test_an_interactions_workspace() -> None:
    click = interaction(payloads.block_actions("U0A", "status", "r1", THREAD))
    in_grid = {**click, "enterprise": {"id": "E0GRID", "name": "Org"}}
    without_team = {**click, "team": None}
    for payload, workspace in ((click, TEAM), (in_grid, "E0GRID"), (without_team, "")):
        pressed = from_block_actions(payload)
        assert pressed is not None
        assert pressed.workspace == workspace
    view = interaction(payloads.view_submission("U0A", form_view(), {}))
    submitted = from_view_submission({**view, "enterprise": {"id": "E0GRID"}})
    assert submitted is not None
    assert submitted.workspace == "E0GRID"


def test_a_modal_without_a_channel_is_the_submitters() -> None:
    view = form_view()
    view["private_metadata"] = json.dumps({"report_id": "r1", "section_id": "description"})
    payload = interaction(payloads.view_submission("U0DANA", view, {}))
    delivery = slack_delivery("interaction", payload)
    assert delivery is not None
    assert delivery.channel == "U0DANA"
    # The event keeps the form's (empty) channel, as it always did.
    submitted = from_view_submission(payload)
    assert submitted is not None
    assert submitted.channel == ""


# --- malformed -------------------------------------------------------------------------------


def malformed() -> list[tuple[SlackKind, dict[str, Any], str]]:
    command = command_with()
    reply = payloads.thread_message("U0A", "x", THREAD)
    event = event_body(reply)
    click = interaction(payloads.block_actions("U0A", "status", "r1", THREAD))
    view = interaction(payloads.view_submission("U0A", form_view(), {}))
    without = {k: v for k, v in event.items() if k != "event_id"}
    return [
        ("command", {**command, "trigger_id": ""}, "trigger_id"),
        ("command", {**command, "user_id": ""}, "user id"),
        ("command", {**command, "text": ["not", "a", "string"]}, "text"),
        ("command", {**command, "channel_id": "C" * 300}, "longer than 255"),
        ("event", without, "event_id"),
        ("event", {**event, "event": "nope"}, "event"),
        ("event", {**event, "event": {**reply, "thread_ts": 1700000000.0001}}, "thread_ts"),
        ("event", {**event, "event": {**reply, "user": None}}, "user id"),
        ("event", {**event, "event": {**reply, "user_profile": []}}, "user_profile"),
        ("event", {**event, "authorizations": {"team_id": TEAM}}, "authorizations"),
        ("event", {**event, "type": 7}, "type"),
        ("interaction", {**click, "actions": [1]}, "action"),
        ("interaction", {**click, "actions": "button"}, "actions"),
        ("interaction", {**click, "actions": [{"action_id": "x", "value": "r1"}]}, "action_ts"),
        ("interaction", {**click, "user": None}, "user"),
        ("interaction", {**click, "team": "T0"}, "team"),
        ("interaction", {**view, "view": 3}, "view"),
        ("interaction", {**view, "view": {**view["view"], "hash": None}}, "hash"),
        ("interaction", {**view, "view": {**view["view"], "state": {"values": []}}}, "values"),
        (
            "interaction",
            {**view, "view": {**view["view"], "state": {"values": {"b": "x"}}}},
            "values",
        ),
        ("interaction", {**view, "view": {**view["view"], "private_metadata": "[]"}}, "metadata"),
    ]


@pytest.mark.parametrize(("kind", "body", "reason"), malformed())
def test_malformed_payloads_are_bad_payloads(
    kind: SlackKind, body: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BadPayload, match=reason):
        slack_delivery(kind, body)
    with pytest.raises(BadPayload, match=reason):
        from_slack_delivery(kind, body, BOT_USER)


def test_a_bad_payloads_reason_never_repeats_what_was_sent() -> None:
    command = command_with(text=["<script>secret</script>"])
    with pytest.raises(BadPayload) as raised:
        from_slash_command(command)
    assert "secret" not in str(raised.value)
