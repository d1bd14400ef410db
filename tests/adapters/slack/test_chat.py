"""The Slack chat port against the fake Web API: what it sends, and how it copes when Slack
says no (rate limits, outages, expired triggers, people outside the channel)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from adapters.slack.chat import SlackChat
from adapters.slack.clients import SingleWorkspace, SlackHttp
from conversations import actions
from conversations.checklist import AnswerKind
from conversations.effects import (
    Ephemeral,
    FormField,
    FormRejected,
    OpenForm,
    Post,
    SectionForm,
)
from conversations.richtext import plain, user_text
from conversations.state import Actor
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack

BOB = Actor(id="U0BOB", name="Bob")
FORM = SectionForm(
    report_id="r1",
    section_id="description",
    title="1 Description",
    fields=(
        FormField(
            item_id="description.cves",
            number="1.3",
            label="CVE ids",
            help="Any assigned",
            kind=AnswerKind.CVES,
        ),
    ),
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as running:
        yield running


@pytest.fixture
async def chat(fake: FakeSlack) -> AsyncIterator[SlackChat]:
    http = SlackHttp()
    yield SlackChat(SingleWorkspace(BOT_TOKEN, http, fake.url))
    await http.close()


async def test_post_goes_into_the_thread_with_escaped_fallback(
    fake: FakeSlack, chat: SlackChat
) -> None:
    ts = await chat.post(
        Post(channel="C1", thread="111.000001", text=(plain("Got "), user_text("<!channel> hi")))
    )
    (call,) = fake.posts()
    assert ts == call.answer["ts"]
    assert call.args["thread_ts"] == "111.000001"
    assert call.args["text"] == "Got &lt;!channel&gt; hi"
    assert call.args["unfurl_links"] is False
    assert call.token == BOT_TOKEN


async def test_rate_limited_post_waits_for_retry_after_and_succeeds(
    fake: FakeSlack, chat: SlackChat
) -> None:
    fake.rate_limits["chat.postMessage"] = (1, 1)
    started = time.monotonic()
    ts = await chat.post(Post(channel="C1", thread=None, text=(plain("hello"),)))
    waited = time.monotonic() - started
    assert len(fake.posts()) == 2  # the 429, then the retry
    assert ts == fake.posts()[1].answer["ts"]
    assert waited >= 1.0


async def test_server_errors_are_retried(fake: FakeSlack, chat: SlackChat) -> None:
    fake.server_errors["chat.update"] = 1
    await chat._call("C1", "chat.update", channel="C1", ts="1.2", text="x")
    assert len(fake.of("chat.update")) == 2


async def test_expired_trigger_falls_back_to_a_button(fake: FakeSlack, chat: SlackChat) -> None:
    fake.expired_triggers.add("T-old")
    await chat.open_form(OpenForm(channel="C1", user=BOB, trigger="T-old", form=FORM))
    (ephemeral,) = fake.of("chat.postEphemeral")
    assert ephemeral.args["user"] == "U0BOB"
    button = ephemeral.args["blocks"][1]["elements"][0]
    assert button["action_id"] == actions.OPEN_FORM
    assert button["value"] == "r1:description"


async def test_form_without_trigger_offers_a_button(fake: FakeSlack, chat: SlackChat) -> None:
    await chat.open_form(OpenForm(channel="C1", user=BOB, trigger=None, form=FORM))
    assert fake.of("views.open") == []
    assert len(fake.of("chat.postEphemeral")) == 1


async def test_ephemeral_to_someone_outside_the_channel_becomes_a_direct_message(
    fake: FakeSlack, chat: SlackChat
) -> None:
    fake.outsiders.add("U0BOB")
    await chat.ephemeral(Ephemeral(channel="C1", thread=None, user=BOB, text=(plain("psst"),)))
    (direct,) = fake.posts()
    assert direct.args["channel"] == "U0BOB"
    assert direct.args["text"] == "psst"


async def test_rejected_form_after_the_modal_closed_is_a_direct_message(
    fake: FakeSlack, chat: SlackChat
) -> None:
    await chat.reject_form(FormRejected(user=BOB, errors={"description.cves": "not a CVE"}))
    (direct,) = fake.posts()
    assert direct.args["channel"] == "U0BOB"
    assert "description.cves: not a CVE" in direct.args["text"]
