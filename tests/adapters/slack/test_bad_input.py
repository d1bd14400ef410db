"""Malformed bodies get a 4xx, odd but valid requests an explanation, and nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conversations import actions
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import signed_headers
from tests.adapters.slack.harness import slack_scene

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        (json.dumps(["a", "list"]), "application/json"),
        (urlencode({"payload": "{not json"}), FORM),
        (urlencode({"payload": json.dumps({"type": "block_actions"})}), FORM),
        (urlencode({"payload": json.dumps({"type": "view_submission", "view": 3})}), FORM),
        ("", FORM),
        ("just some words", "text/plain"),
        (json.dumps({"type": "event_callback", "event": "nope"}), "application/json"),
    ],
)
async def test_malformed_signed_bodies_get_4xx_never_500(
    database: Database, tmp_path: Path, body: str, content_type: str
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        response = await scene.post(body, content_type)
        assert 400 <= response.status < 500 or response.status == 200
        await scene.fake.settle()
        assert await scene.store.list_reports() == []


async def test_a_body_that_is_not_utf8_gets_400(database: Database, tmp_path: Path) -> None:
    raw = b"text=\xff\xfe"
    async with slack_scene(database, tmp_path) as scene:
        headers = signed_headers(raw.decode("latin-1"))
        response = await scene.client.post("/slack/events", data=raw, headers=headers)
        assert response.status in (400, 401)


async def test_url_verification_is_answered(database: Database, tmp_path: Path) -> None:
    challenge = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    async with slack_scene(database, tmp_path) as scene:
        response = await scene.post(challenge, "application/json")
        assert response.status == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await response.text()


async def test_unknown_button_gets_an_explanation(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Old buttons")
        (summary,) = await scene.store.list_reports()
        before = await scene.store.load(summary.id)
        click = payloads.block_actions("U0BOB", "launch_missiles", summary.id, thread)
        assert (await scene.interaction(click)).status == 200
        await scene.fake.wait_until(lambda: bool(scene.ephemerals_for("U0BOB")))
        assert "not one I know" in scene.ephemerals_for("U0BOB")[0]
        after = await scene.store.load(summary.id)
        assert after is not None
        assert before is not None
        assert after.contributions == before.contributions


async def test_oversized_answer_is_explained_and_not_stored(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Long answers")
        message = payloads.thread_message("U0BOB", "0.3: " + "x" * 9000, scene.thread)
        assert (await scene.event(message)).status == 200
        await scene.fake.wait_until(lambda: bool(scene.ephemerals_for("U0BOB")))
        assert "the limit is 8,000" in scene.ephemerals_for("U0BOB")[0]
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert state.contributions == ()


async def test_invalid_form_fields_are_shown_in_the_modal(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Bad form")
        (summary,) = await scene.store.list_reports()
        click = payloads.block_actions(
            "U0BOB", actions.OPEN_FORM, f"{summary.id}:description", thread
        )
        await scene.interaction(click)
        await scene.fake.wait_until(lambda: bool(scene.fake.of("views.open")))
        view = scene.fake.of("views.open")[0].args["view"]
        submitted = payloads.view_submission(
            "U0BOB",
            view,
            {
                "description.cves": payloads.text_input("CVE-12"),
                "description.event_type": payloads.selected("incident"),
            },
        )
        response = await scene.interaction(submitted)
        assert response.status == 200
        answer = await response.json()
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) == {"description.cves"}
        state = await scene.store.load(summary.id)
        assert state is not None
        # The whole form was refused: the valid field was not recorded either.
        assert state.contributions == ()


async def test_a_message_outside_any_report_thread_is_ignored(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        message = payloads.thread_message("U0BOB", "chit-chat", payloads.new_ts())
        assert (await scene.event(message)).status == 200
        top_level = {**message}
        top_level.pop("thread_ts")
        assert (await scene.event(top_level)).status == 200
        await scene.fake.settle()
        assert scene.fake.posts() == []
        assert scene.fake.of("chat.postEphemeral") == []


async def test_bots_and_the_bot_itself_are_not_answers(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Echo")
        own = payloads.thread_message("U0BOT", "0.3: my own words", thread)
        other_bot = {**payloads.thread_message("U0OTHER", "0.3: beep", thread), "bot_id": "B0OTHER"}
        for message in (own, other_bot):
            assert (await scene.event(message)).status == 200
        await scene.fake.settle()
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert state.contributions == ()
