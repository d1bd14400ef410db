"""Slack set up as the bot serves it: which scopes the app asks for, the OAuth install flow
and its stores, the Web API clients (one token, or one per installed workspace), the decoder,
the chat port, the `POST /slack/events` endpoint and Socket Mode.

bot/ only composes: it turns its settings into `SlackSettings`, hands over the database
engine (slack_sdk keeps its installations in tables of its own beside ours), the channel
directory and the intake, and mounts what `SlackSide` gives it. Mirrors adapters/teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.intake import Intake
from adapters.slack.chat import SlackChat
from adapters.slack.clients import (
    SLACK_API_URL,
    Installations,
    SingleWorkspace,
    SlackClients,
    SlackHttp,
    web_client,
)
from adapters.slack.deliveries import CheckForm, SlackDeliveries
from adapters.slack.http import INSTALL_PATH, REDIRECT_PATH, SlackEndpoint
from adapters.slack.inbound import SlackDecoder
from adapters.slack.translations import Translations
from adapters.slack.workspaces import ChannelDirectory

if TYPE_CHECKING:
    from adapters.slack.socket_mode import SlackSocket

# What the bot needs in a workspace; deploy/slack/ manifests ask for exactly these.
SLACK_BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "users:read",
)


class SlackConfigError(ValueError):
    """The Slack settings cannot work; the message says what to set."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = ""
    signing_secret: str = ""
    # An app-level (xapp-) token: Slack over Socket Mode.
    app_token: str = ""
    # Both set: OAuth installs into several workspaces instead of one bot token.
    client_id: str = ""
    client_secret: str = ""
    api_url: str = SLACK_API_URL

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)


def authorization_url(api_url: str) -> str:
    """Slack's OAuth page on the same host as the Web API (slack.com, GovSlack's
    slack-gov.com, or a proxy)."""
    base = api_url.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    return f"{base}/oauth/v2/authorize"


@dataclass
class SlackSide:
    settings: SlackSettings
    chat: SlackChat
    decoder: SlackDecoder
    deliveries: SlackDeliveries
    oauth_flow: AsyncOAuthFlow | None
    oauth_stores: tuple[AsyncSQLAlchemyInstallationStore, AsyncSQLAlchemyOAuthStateStore] | None
    # The one HTTP session every Web API call of this process goes through (keep-alive).
    http: SlackHttp

    async def close(self) -> None:
        """On shutdown, after the last effect went out: the kept-alive connections."""
        await self.http.close()

    def routes(self) -> list[web.RouteDef]:
        """`POST /slack/events`, and the install pages with OAuth."""
        endpoint = SlackEndpoint(
            self.settings.signing_secret, self.deliveries, oauth_flow=self.oauth_flow
        )
        return endpoint.routes()

    async def create_tables(self) -> None:
        """slack_sdk's own tables (installations, bots, OAuth states), beside ours."""
        for store in self.oauth_stores or ():
            await store.create_tables()  # type: ignore[no-untyped-call]

    async def connect_socket(self) -> SlackSocket:
        """Slack over Socket Mode: the bot dials out; every envelope is stored, then acked."""
        # Imported here: slack_sdk's Socket Mode client is a third of a second of start-up
        # that a bot served over HTTP never needs.
        from adapters.slack.socket_mode import SlackSocket

        connection = SlackSocket(
            self.settings.app_token,
            self.http.client(None, self.settings.api_url),
            self.deliveries,
        )
        await connection.connect()
        return connection


def slack_side(
    settings: SlackSettings,
    engine: AsyncEngine,
    channels: ChannelDirectory,
    intake: Intake,
    check_form: CheckForm,
    *,
    socket_mode: bool = False,
) -> SlackSide:
    """`engine`: where slack_sdk keeps installations (OAuth only); `channels`: each channel's
    workspace, as the turns of its deliveries kept it (OAuth only); `socket_mode`: Slack
    dials in over Socket Mode rather than calling `POST /slack/events`."""
    if socket_mode and not settings.app_token:
        raise SlackConfigError("Socket Mode needs SLACK_APP_TOKEN (an app-level xapp- token)")
    if not socket_mode and not settings.signing_secret:
        # Without it every forged request would pass: refuse to start instead.
        raise SlackConfigError("Slack over HTTP needs SLACK_SIGNING_SECRET")
    oauth_flow: AsyncOAuthFlow | None = None
    oauth_stores = None
    clients: SlackClients
    http = SlackHttp()
    if settings.oauth:
        installations = AsyncSQLAlchemyInstallationStore(settings.client_id, engine)
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
        oauth_stores = (installations, states)
        oauth_flow = AsyncOAuthFlow(
            settings=AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                scopes=list(SLACK_BOT_SCOPES),
                installation_store=installations,
                state_store=states,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                authorization_url=authorization_url(settings.api_url),
            ),
            client=web_client(None, settings.api_url),
        )
        clients = Installations(installations, channels, settings.api_url, http)
    elif settings.bot_token:
        clients = SingleWorkspace(settings.bot_token, http, settings.api_url)
    else:
        raise SlackConfigError(
            "Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
        )
    # Events translated as they arrive, handed to this process's inbox worker with them.
    translations = Translations()
    return SlackSide(
        settings=settings,
        chat=SlackChat(clients, settings.api_url),
        decoder=SlackDecoder(clients, several_workspaces=settings.oauth, translations=translations),
        deliveries=SlackDeliveries(intake, check_form, translations),
        oauth_flow=oauth_flow,
        oauth_stores=oauth_stores,
        http=http,
    )
