"""Slack payloads, shaped like Slack's published examples, become engine events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack.blocks import modal_view
from adapters.slack.translate import (
    BadPayload,
    from_block_actions,
    from_event_callback,
    from_slash_command,
    from_view_submission,
)
from conversations.effects import SectionForm
from conversations.events import MessageDeleted, MessageEdited, MessagePosted
from conversations.state import Actor

BOT = "U0BOT"


def envelope(event: dict[str, Any], event_id: str = "Ev0PV52K25") -> dict[str, Any]:
    return {
        "token": "x",
        "team_id": "T061EG9R6",
        "api_app_id": "A0PNCHHK2",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": event,
    }


def test_slash_command() -> None:
    command = from_slash_command(
        {
            "token": "x",
            "team_id": "T0001",
            "channel_id": "C2147483705",
            "channel_name": "incident-4711",
            "user_id": "U2147483697",
            "user_name": "alice",
            "command": "/jcdc",
            "text": "assign 4 <@U0DANA|dana>",
            "response_url": "https://hooks.slack.com/commands/1234/5678",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )
    # The engine gets the text as typed; the mention itself travels as an Actor.
    assert command.text == "assign 4 @dana"
    assert command.channel == "C2147483705"
    assert command.actor == Actor(id="U2147483697", name="alice")
    assert command.mentions == (Actor(id="U0DANA", name="dana"),)
    assert command.trigger == "13345224609.738474920.8088930838d88f008e0"
    assert command.event_id == "command:13345224609.738474920.8088930838d88f008e0"


def test_thread_reply_becomes_an_answer() -> None:
    event = from_event_callback(
        envelope(
            {
                "type": "message",
                "channel": "C1",
                "user": "U1",
                "text": "4.2: gpt-4o-mini",
                "ts": "1700000100.000200",
                "thread_ts": "1700000000.000100",
                "user_profile": {"display_name": "Bob"},
            }
        ),
        BOT,
    )
    assert isinstance(event, MessagePosted)
    assert (event.thread, event.message_id, event.text) == (
        "1700000000.000100",
        "1700000100.000200",
        "4.2: gpt-4o-mini",
    )
    assert event.actor == Actor(id="U1", name="Bob")
    assert event.event_id == "event:Ev0PV52K25"


def test_messages_the_bot_must_ignore() -> None:
    top_level = {
        "type": "message",
        "channel": "C1",
        "user": "U1",
        "text": "hi",
        "ts": "1700000100.000200",
    }
    own = {**top_level, "thread_ts": "1700000000.000100", "user": BOT}
    other_bot = {**top_level, "thread_ts": "1700000000.000100", "bot_id": "B1"}
    joined = {**top_level, "thread_ts": "1700000000.000100", "subtype": "channel_join"}
    reaction = {"type": "reaction_added", "user": "U1"}
    for event in (top_level, own, other_bot, joined, reaction):
        assert from_event_callback(envelope(event), BOT) is None


def test_edit_and_delete() -> None:
    edited = from_event_callback(
        envelope(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": "C1",
                "hidden": True,
                "ts": "1700000200.000300",
                "message": {
                    "type": "message",
                    "user": "U1",
                    "text": "4.2: gpt-4o",
                    "ts": "1700000100.000200",
                    "thread_ts": "1700000000.000100",
                    "edited": {"user": "U1", "ts": "1700000200.000000"},
                },
                "previous_message": {
                    "type": "message",
                    "user": "U1",
                    "text": "4.2: gpt-4o-mini",
                    "ts": "1700000100.000200",
                    "thread_ts": "1700000000.000100",
                },
            }
        ),
        BOT,
    )
    assert isinstance(edited, MessageEdited)
    assert (edited.message_id, edited.text) == ("1700000100.000200", "4.2: gpt-4o")
    deleted = from_event_callback(
        envelope(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": "C1",
                "hidden": True,
                "ts": "1700000300.000400",
                "deleted_ts": "1700000100.000200",
                "previous_message": {
                    "type": "message",
                    "user": "U1",
                    "text": "4.2: gpt-4o",
                    "ts": "1700000100.000200",
                    "thread_ts": "1700000000.000100",
                },
            },
            "Ev2",
        ),
        BOT,
    )
    assert isinstance(deleted, MessageDeleted)
    assert (deleted.message_id, deleted.thread) == ("1700000100.000200", "1700000000.000100")


def test_button_click() -> None:
    payload = {
        "type": "block_actions",
        "trigger_id": "12466734323.1395872398",
        "api_app_id": "A1",
        "user": {"id": "U1", "username": "alice", "name": "alice", "team_id": "T1"},
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C1",
            "is_ephemeral": False,
        },
        "channel": {"id": "C1", "name": "incident"},
        "actions": [
            {
                "action_id": "confirm_send",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Confirm and send"},
                "value": "report-1",
                "type": "button",
                "action_ts": "1700000400.1234",
            }
        ],
    }
    pressed = from_block_actions(payload)
    assert pressed is not None
    assert (pressed.action, pressed.report_id, pressed.channel) == (
        "confirm_send",
        "report-1",
        "C1",
    )
    assert pressed.event_id == "action:U1:1700000400.1234"
    assert from_block_actions({**payload, "actions": []}) is None


def test_modal_submission_round_trips_through_the_view_we_built() -> None:
    view = modal_view(
        SectionForm(
            report_id="report-1", section_id="description", title="1 Description", fields=()
        ),
        "C1",
    )
    submitted = from_view_submission(
        {
            "type": "view_submission",
            "user": {"id": "U1", "name": "dana"},
            "view": {
                **view,
                "id": "V1",
                "hash": "156772938.1827394",
                "state": {
                    "values": {
                        "description.event_type": {
                            "value": {
                                "type": "static_select",
                                "selected_option": {"value": "incident"},
                            }
                        },
                        "description.ioc_purpose": {
                            "value": {
                                "type": "multi_static_select",
                                "selected_options": [{"value": "exfiltration"}, {"value": "c2"}],
                            }
                        },
                        "description.cves": {
                            "value": {"type": "plain_text_input", "value": "CVE-2024-3094"}
                        },
                        "description.notes": {"value": {"type": "plain_text_input", "value": None}},
                    }
                },
            },
        }
    )
    assert submitted is not None
    assert (submitted.report_id, submitted.section_id, submitted.channel) == (
        "report-1",
        "description",
        "C1",
    )
    assert submitted.values == {
        "description.event_type": "incident",
        "description.ioc_purpose": "exfiltration, c2",
        "description.cves": "CVE-2024-3094",
        "description.notes": "",
    }
    assert from_view_submission({"view": {**view, "callback_id": "other"}}) is None
    assert json.loads(view["private_metadata"])["channel"] == "C1"


def test_our_modal_with_unreadable_private_metadata_is_malformed() -> None:
    view = modal_view(
        SectionForm(report_id="r1", section_id="description", title="1 Description", fields=()),
        "C1",
    )
    submitted_view = {**view, "id": "V1", "hash": "1.2", "state": {"values": {}}}
    payload = {"type": "view_submission", "user": {"id": "U1", "name": "dana"}}
    assert from_view_submission({**payload, "view": submitted_view}) is not None
    # We wrote private_metadata ourselves: anything else there was not written by us.
    for metadata in ("{not json", "[1]", '{"channel": 5}', "NaN"):
        with pytest.raises(BadPayload, match="private_metadata"):
            from_view_submission(
                {**payload, "view": {**submitted_view, "private_metadata": metadata}}
            )
