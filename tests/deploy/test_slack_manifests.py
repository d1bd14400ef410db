"""The Slack app manifests ask for exactly what the bot uses, and point where it listens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.http import EVENTS_PATH, REDIRECT_PATH
from adapters.slack.setup import SLACK_BOT_SCOPES
from adapters.slack.shortcut_view import SHORTCUT_CALLBACK_ID

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "slack"


def _load(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("name", ["manifest-http.yaml", "manifest-socket-mode.yaml"])
def test_scopes_events_and_command(name: str) -> None:
    manifest = _load(name)
    assert manifest["oauth_config"]["scopes"]["bot"] == list(SLACK_BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "message.channels",
        "message.groups",
    ]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/jcdc"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


@pytest.mark.parametrize("name", ["manifest-http.yaml", "manifest-socket-mode.yaml"])
def test_the_message_shortcut_is_the_one_the_bot_answers(name: str) -> None:
    (shortcut,) = _load(name)["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == SHORTCUT_CALLBACK_ID
    # Slack's limits: a name of at most 24 characters, a description of at most 80.
    assert shortcut["name"] == "Add to JCDC report"
    assert len(shortcut["description"]) <= 80


def test_http_manifest_points_at_the_one_endpoint() -> None:
    manifest = _load("manifest-http.yaml")
    settings = manifest["settings"]
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    }
    assert urls == {f"https://YOUR-HOST{EVENTS_PATH}"}
    assert manifest["oauth_config"]["redirect_urls"] == [f"https://YOUR-HOST{REDIRECT_PATH}"]
    assert settings["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_public_urls() -> None:
    manifest = _load("manifest-socket-mode.yaml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert (
        "https://" not in (DEPLOY / "manifest-socket-mode.yaml").read_text().split("settings:")[1]
    )
    assert "url" not in manifest["features"]["slash_commands"][0]
