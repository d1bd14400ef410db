"""Whatever JSON arrives, the Slack translators give an event, None, or BadPayload; and the
identity a delivery gets for the inbox agrees with the event it translates to."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.blocks import modal_view
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
    slack_delivery_translated,
)
from conversations.effects import SectionForm
from tests.adapters.fuzzing import FUZZ, assert_valid_event, json_like, mutated, objects
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_USER

THREAD = "1700000000.000100"
PREFIXES = {
    "command": "command",
    "event": "event",
    "block_actions": "action",
    "view_submission": "view",
}
# The fields the translators read, so that arbitrary objects often have them.
KEYS = [
    "type",
    "event",
    "event_id",
    "team_id",
    "enterprise_id",
    "authorizations",
    "is_bot",
    "user_id",
    "channel",
    "channel_id",
    "user",
    "user_name",
    "text",
    "ts",
    "thread_ts",
    "subtype",
    "bot_id",
    "message",
    "previous_message",
    "deleted_ts",
    "user_profile",
    "display_name",
    "trigger_id",
    "actions",
    "action_id",
    "action_ts",
    "value",
    "selected_option",
    "selected_options",
    "container",
    "view",
    "callback_id",
    "private_metadata",
    "state",
    "values",
    "id",
    "hash",
    "team",
    "enterprise",
    "name",
    "ssl_check",
    "command",
]


def _form(body: str) -> dict[str, str]:
    return dict(parse_qsl(body, keep_blank_values=True))


def _payload(body: str) -> dict[str, Any]:
    value = json.loads(_form(body)["payload"])
    assert isinstance(value, dict)
    return value


def _event(event: dict[str, Any]) -> dict[str, Any]:
    value = json.loads(payloads.event_callback(event))
    assert isinstance(value, dict)
    return value


def _fixtures() -> list[tuple[SlackKind, dict[str, Any]]]:
    broadcast = payloads.thread_message("U0A", "x", THREAD) | {"subtype": "thread_broadcast"}
    view = modal_view(
        SectionForm(report_id="r1", section_id="description", title="1 Description", fields=()),
        payloads.CHANNEL,
    )
    values = {
        "description.notes": payloads.text_input("<http://evil.com|evil.com>"),
        "description.event_type": payloads.selected("incident"),
        "description.purpose": {
            "type": "multi_static_select",
            "selected_options": [{"value": "a"}],
        },
    }
    return [
        ("command", _form(payloads.slash_command("U0A", "assign 4 <@U0DANA|dana>"))),
        ("event", _event(payloads.thread_message("U0A", "4.2: <http://x.io|x.io>", THREAD))),
        ("event", _event(broadcast)),
        ("event", _event(payloads.message_changed("U0A", "1.2", "new", "old", THREAD))),
        ("event", _event(payloads.message_deleted("U0A", "1.2", "old", THREAD))),
        ("interaction", _payload(payloads.block_actions("U0A", "status", "r1", THREAD))),
        ("interaction", _payload(payloads.view_submission("U0A", view, values))),
    ]


FIXTURES = _fixtures()
TRANSLATORS: list[Callable[[Mapping[str, Any]], object]] = [
    from_slash_command,
    lambda body: from_event_callback(body, BOT_USER),
    lambda body: from_event_callback(body, None),
    from_block_actions,
    from_view_submission,
]


def translate_or_refuse(translate: Callable[[Mapping[str, Any]], object], body: Any) -> None:
    """The one property every translator has, for any input."""
    try:
        event = translate(body)
    except BadPayload as error:
        reason = str(error)
    else:
        if event is not None:
            assert_valid_event(event)
        return
    # A reason a person can read, short enough for a log line.
    assert 0 < len(reason) < 300


def test_the_fixtures_translate() -> None:
    # Otherwise the mutation tests below would only ever see refusals.
    for kind, body in FIXTURES:
        delivery = slack_delivery(kind, body)
        assert delivery is not None
        assert not delivery.ignorable
        assert from_slack_delivery(kind, body, BOT_USER) is not None


@FUZZ
@given(st.sampled_from(TRANSLATORS), objects(KEYS) | json_like(KEYS))
def test_any_json_gives_an_event_none_or_bad_payload(
    translate: Callable[[Mapping[str, Any]], object], body: Any
) -> None:
    translate_or_refuse(translate, body)


@FUZZ
@given(st.sampled_from(TRANSLATORS), st.sampled_from(FIXTURES).flatmap(lambda f: mutated(f[1])))
def test_damaged_real_payloads_give_an_event_none_or_bad_payload(
    translate: Callable[[Mapping[str, Any]], object], body: Any
) -> None:
    translate_or_refuse(translate, body)


def check_delivery(kind: SlackKind, body: Any) -> None:
    """slack_delivery gives a delivery, None, or BadPayload; a delivery agrees with the event
    its body translates to."""
    try:
        delivery = slack_delivery(kind, body)
    except BadPayload:
        return
    if delivery is None:
        assert from_slack_delivery(kind, body, None) is None
        return
    assert isinstance(delivery, SlackDelivery)
    event = from_slack_delivery(kind, body, None)
    if delivery.ignorable:
        # Ignorable from the payload alone; the one exception the translator cannot know
        # without the bot's user id is a message by the bot installation's own user.
        if event is not None:
            authorizations = body.get("authorizations")
            assert isinstance(authorizations, list)
            assert event.actor.id == authorizations[0].get("user_id")
        return
    assert event is not None
    assert_valid_event(event)
    subtype = body.get("type") if kind == "interaction" else kind
    assert event.event_id == f"{PREFIXES[str(subtype)]}:{delivery.delivery_id}"
    assert event.workspace == delivery.workspace
    if event.channel:
        assert event.channel == delivery.channel
    # The bot's user id can only turn an event into None, never into another event.
    assert from_slack_delivery(kind, body, BOT_USER) in (None, event)
    # The edge's own translation, kept for the worker, is the worker's.
    found, kept = slack_delivery_translated(kind, body)
    assert found == delivery
    assert kept == (event if kind == "event" else None)


@FUZZ
@given(st.sampled_from(FIXTURES).flatmap(lambda f: st.tuples(st.just(f[0]), mutated(f[1]))))
def test_a_damaged_deliverys_identity_agrees_with_its_event(case: tuple[SlackKind, Any]) -> None:
    check_delivery(*case)


@FUZZ
@given(st.sampled_from(["command", "event", "interaction"]), objects(KEYS))
def test_any_objects_identity_agrees_with_its_event(kind: SlackKind, body: dict[str, Any]) -> None:
    check_delivery(kind, body)


@FUZZ
@given(
    st.sampled_from(FIXTURES),
    st.text(st.characters(codec="utf-8", exclude_characters=":"), min_size=1, max_size=40),
)
def test_ids_of_any_spelling_keep_the_delivery_and_event_in_step(
    fixture: tuple[SlackKind, dict[str, Any]], spelling: str
) -> None:
    # Whatever Slack's ids look like, the event id is the prefix and the delivery id.
    kind, body = fixture
    body = json.loads(json.dumps(body))
    if kind == "command":
        body["trigger_id"] = spelling
    elif kind == "event":
        body["event_id"] = spelling
    elif body["type"] == "block_actions":
        body["actions"][0]["action_ts"] = spelling
    else:
        body["view"]["hash"] = spelling
    delivery = slack_delivery(kind, body)
    assert delivery is not None
    assert spelling in delivery.delivery_id
    check_delivery(kind, body)


@pytest.mark.parametrize(("kind", "body"), FIXTURES)
def test_without_damage_the_fixtures_identity_agrees_too(kind: SlackKind, body: Any) -> None:
    check_delivery(kind, body)
