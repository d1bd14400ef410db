"""Several workspaces: install over OAuth, then each workspace's requests use its own token,
also for posts made later from the channel's remembered workspace."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from adapters.slack.clients import Installations
from adapters.slack.setup import authorization_url
from conversations.effects import Post
from conversations.richtext import plain
from storage.database import Database
from storage.slack_channels import SlackChannels
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import INSTALL_CODE, INSTALLED_TOKEN, OTHER_TEAM
from tests.adapters.slack.harness import SlackScene, slack_scene

OAUTH = {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "shh"}


async def _install(scene: SlackScene, code: str = INSTALL_CODE) -> int:
    page = await scene.client.get("/slack/install")
    assert page.status == 200
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', await page.text())
    assert link is not None
    url = urlparse(link.group(1).replace("&amp;", "&"))
    query = parse_qs(url.query)
    assert query["client_id"] == ["111.222"]
    assert "chat:write" in query["scope"][0]
    state = query["state"][0]
    # The browser returns the state cookie set with the page (the test client refuses
    # cookies for IP addresses, so it is passed on by hand).
    cookie = page.headers["Set-Cookie"].split(";")[0]
    callback = await scene.client.get(
        f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie}
    )
    return callback.status


async def test_install_then_a_report_in_the_new_workspace(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path, **OAUTH) as scene:
        assert await _install(scene) == 200
        body = payloads.slash_command("U0LEAD", "new Other org incident", channel="C0OTHER")
        body = body.replace("team_id=T0TEAM", f"team_id={OTHER_TEAM}")
        assert (await scene.post(body, "application/x-www-form-urlencoded")).status == 200
        # The root message, which asks the first question itself.
        await scene.fake.wait_until(lambda: len(scene.fake.posts()) >= 1)
        assert {c.token for c in scene.fake.posts()} == {INSTALLED_TOKEN}

        # Later, outside any request: the channel's workspace is remembered in the database.
        assert scene.bot.slack is not None
        clients = scene.bot.slack.chat.clients
        assert isinstance(clients, Installations)
        # A new directory reads the database afresh, as a restarted process would.
        clients.channels = SlackChannels(scene.bot.store.database)
        await scene.bot.slack.chat.post(
            Post(channel="C0OTHER", thread=None, text=(plain("later"),))
        )
        assert scene.fake.posts()[-1].token == INSTALLED_TOKEN


async def test_a_forged_or_reused_install_state_installs_nothing(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path, **OAUTH) as scene:
        forged = await scene.client.get(f"/slack/oauth_redirect?code={INSTALL_CODE}&state=made-up")
        assert 400 <= forged.status < 500
        assert await _install(scene, code="wrong-code") >= 400
        assert INSTALLED_TOKEN not in scene.fake.tokens


async def test_requests_from_a_workspace_that_never_installed_are_not_served(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path, **OAUTH) as scene:
        response = await scene.command("U0LEAD", "new Nobody installed me")
        # Signed, so acknowledged at once; Bolt then finds no installation and does nothing.
        assert response.status == 200
        await scene.fake.settle()
        assert scene.fake.posts() == []
        assert await scene.store.list_reports() == []


def test_oauth_page_lives_beside_the_web_api() -> None:
    assert authorization_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert (
        authorization_url("https://slack-gov.com/api") == "https://slack-gov.com/oauth/v2/authorize"
    )
