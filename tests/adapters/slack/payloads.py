"""Inbound Slack requests, shaped like the examples in Slack's API documentation (slash
command form posts, Events API `event_callback` envelopes, `block_actions` and
`view_submission` interaction payloads), and encoded the way Slack sends them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.adapters.platform_clock import slack_ts
from tests.adapters.slack.fake_slack import BOT_USER, TEAM

CHANNEL = "C0INCIDENT"
_ids = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}{next(_ids):08d}"


def slash_command(user: str, text: str, channel: str = CHANNEL, command: str = "/jcdc") -> str:
    """Form-encoded, as Slack posts slash commands."""
    return urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": TEAM,
            "team_domain": "example",
            "enterprise_id": "",
            "channel_id": channel,
            "channel_name": "incident-4711",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0JCDC",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/1234/5678",
            "trigger_id": _next("13345224609.738474920.") + "8ee3",
        }
    )


def event_callback(event: dict[str, Any], event_id: str | None = None) -> str:
    """A JSON Events API envelope."""
    return json.dumps(
        {
            "token": "XXYYZZ",
            "team_id": TEAM,
            "api_app_id": "A0JCDC",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or _next("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def new_ts() -> str:
    return slack_ts()


def thread_message(
    user: str, text: str, thread_ts: str, ts: str | None = None, channel: str = CHANNEL
) -> dict[str, Any]:
    stamp = ts or new_ts()
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stamp,
        "thread_ts": thread_ts,
        "event_ts": stamp,
        "channel_type": "channel",
        "team": TEAM,
    }


def message_changed(
    user: str, ts: str, new_text: str, old_text: str, thread_ts: str, channel: str = CHANNEL
) -> dict[str, Any]:
    stamp = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": stamp,
        "event_ts": stamp,
        "message": {
            "type": "message",
            "user": user,
            "text": new_text,
            "ts": ts,
            "thread_ts": thread_ts,
            "edited": {"user": user, "ts": stamp},
        },
        "previous_message": {
            "type": "message",
            "user": user,
            "text": old_text,
            "ts": ts,
            "thread_ts": thread_ts,
        },
        "channel_type": "channel",
    }


def message_deleted(
    user: str, ts: str, text: str, thread_ts: str, channel: str = CHANNEL
) -> dict[str, Any]:
    stamp = new_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "ts": stamp,
        "deleted_ts": ts,
        "event_ts": stamp,
        "previous_message": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
        },
        "channel_type": "channel",
    }


def _interaction(payload: dict[str, Any]) -> str:
    """Interactivity payloads arrive form-encoded as one `payload` JSON field."""
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    user: str,
    action_id: str,
    value: str,
    message_ts: str,
    channel: str = CHANNEL,
    action_ts: str | None = None,
    *,
    ephemeral: bool = False,
    response_url: str = "https://hooks.slack.com/actions/T0/1/abc",
) -> str:
    """A click. `ephemeral`: the button was on an ephemeral message (then `message_ts` is
    that message's, which chat.update cannot change)."""
    return _interaction(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0JCDC",
            "token": "9s8d9as89d8as9d8as989",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": _next("12321423423.333649436676.") + "d8c1",
            "team": {"id": TEAM, "domain": "example"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "incident-4711"},
            "message": {"type": "message", "ts": message_ts, "user": BOT_USER, "text": "…"},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "actions",
                    "text": {"type": "plain_text", "text": action_id},
                    "value": value,
                    "type": "button",
                    "action_ts": action_ts or f"{time.time():.6f}",
                }
            ],
        }
    )


def view_submission(user: str, view: dict[str, Any], values: dict[str, Any]) -> str:
    """`values` maps block ids (item ids) to the element state Slack reports for them."""
    return _interaction(
        {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0JCDC",
            "token": "9s8d9as89d8as9d8as989",
            "trigger_id": _next("12466734323.1395872398.") + "9a8b",
            "view": {
                **view,
                "id": _next("V"),
                "team_id": TEAM,
                "state": {"values": {block: {"value": state} for block, state in values.items()}},
                "hash": _next("1569362015.") + "55b5e41b",
                "app_id": "A0JCDC",
                "bot_id": "B0BOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def selected(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def message_action(
    user: str,
    author: str,
    text: str,
    ts: str,
    channel: str = CHANNEL,
    callback_id: str = "jcdc_add_to_report",
    thread_ts: str | None = None,
) -> str:
    """A message shortcut on `author`'s message, used by `user`."""
    message: dict[str, Any] = {"type": "message", "user": author, "ts": ts, "text": text}
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return _interaction(
        {
            "type": "message_action",
            "token": "9s8d9as89d8as9d8as989",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "channel": {"id": channel, "name": "incident-4711"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": _next("13345224609.738474920.") + "8b2c",
            "response_url": "https://hooks.slack.com/app-actions/T0/1/abc",
            "message_ts": ts,
            "message": message,
        }
    )
