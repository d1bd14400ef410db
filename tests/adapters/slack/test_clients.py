"""The Web API clients share one HTTP session: a turn's calls go over one kept-alive
connection (counted on the fake Slack's side), and closing the session closes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.clients import SingleWorkspace, SlackHttp, web_client
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack

CALLS = 12


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as running:
        yield running


async def _post(client_source: SingleWorkspace, n: int) -> None:
    client = await client_source.for_channel("C1")
    await client.chat_postMessage(channel="C1", text=f"call {n}")


async def test_many_calls_go_over_one_kept_alive_connection(fake: FakeSlack) -> None:
    http = SlackHttp()
    clients = SingleWorkspace(BOT_TOKEN, http, fake.url)
    try:
        for n in range(CALLS):
            await _post(clients, n)
        assert len(fake.posts()) == CALLS
        assert len(fake.connections) == 1
        assert fake.open_connections() == 1  # kept alive between calls
    finally:
        await http.close()
    await fake.wait_for_no_connections()


async def test_without_a_shared_session_every_call_opens_a_connection(fake: FakeSlack) -> None:
    # What slack_sdk does on its own: the baseline that shows the count above is not a given.
    client = web_client(BOT_TOKEN, fake.url)
    for n in range(3):
        await client.chat_postMessage(channel="C1", text=f"call {n}")
    assert len(fake.connections) == 3


async def test_calls_of_several_tokens_share_the_pool(fake: FakeSlack) -> None:
    http = SlackHttp()
    try:
        first = http.client(BOT_TOKEN, fake.url)
        second = http.client(BOT_TOKEN, fake.url)
        assert first.session is second.session
        for n in range(4):
            await (first if n % 2 else second).chat_postMessage(channel="C1", text=str(n))
        assert len(fake.connections) == 1
    finally:
        await http.close()


async def test_a_call_after_close_still_works_on_a_session_of_its_own(fake: FakeSlack) -> None:
    http = SlackHttp()
    clients = SingleWorkspace(BOT_TOKEN, http, fake.url)
    await _post(clients, 1)
    await http.close()
    await fake.wait_for_no_connections()
    await _post(clients, 2)  # e.g. a late effect during shutdown: not lost, and no leak
    assert len(fake.posts()) == 2
    assert len(fake.connections) == 2
