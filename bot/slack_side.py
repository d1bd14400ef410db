"""Slack's part of `serve`: how deliveries come in (HTTP endpoint or Socket Mode), how stored
ones become events, the chat port, and with OAuth the install flow and its stores."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from adapters.intake import Intake
from adapters.slack.chat import SlackChat
from adapters.slack.clients import (
    Installations,
    SingleWorkspace,
    SlackClients,
    SlackHttp,
    web_client,
)
from adapters.slack.deliveries import CheckForm, SlackDeliveries
from adapters.slack.http import INSTALL_PATH, REDIRECT_PATH
from adapters.slack.inbound import SlackDecoder
from bot.config_error import ConfigError
from bot.settings import Settings
from storage.repository import ReportStore
from storage.slack_channels import SlackChannels

# What the bot needs in a workspace; deploy/slack/ manifests ask for exactly these.
SLACK_BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "users:read",
)


def authorization_url(api_url: str) -> str:
    """Slack's OAuth page on the same host as the Web API (slack.com, GovSlack's
    slack-gov.com, or a proxy)."""
    base = api_url.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    return f"{base}/oauth/v2/authorize"


@dataclass
class SlackSide:
    chat: SlackChat
    decoder: SlackDecoder
    deliveries: SlackDeliveries
    signing_secret: str
    oauth_flow: AsyncOAuthFlow | None
    oauth_stores: tuple[AsyncSQLAlchemyInstallationStore, AsyncSQLAlchemyOAuthStateStore] | None
    # The one HTTP session every Web API call of this process goes through; closed on shutdown.
    http: SlackHttp


def slack_side(
    settings: Settings, store: ReportStore, intake: Intake, check_form: CheckForm
) -> SlackSide:
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    oauth_flow: AsyncOAuthFlow | None = None
    oauth_stores = None
    clients: SlackClients
    channels: SlackChannels | None = None
    http = SlackHttp()
    if settings.slack_oauth():
        assert settings.slack_client_id is not None
        assert settings.slack_client_secret is not None
        engine = store.database.engine
        installations = AsyncSQLAlchemyInstallationStore(settings.slack_client_id, engine)
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
        oauth_stores = (installations, states)
        oauth_flow = AsyncOAuthFlow(
            settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=list(SLACK_BOT_SCOPES),
                installation_store=installations,
                state_store=states,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                authorization_url=authorization_url(settings.slack_api_url),
            ),
            client=web_client(None, settings.slack_api_url),
        )
        channels = SlackChannels(store.database)
        clients = Installations(installations, channels, settings.slack_api_url, http)
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        if not token:
            raise ConfigError(
                "Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
            )
        clients = SingleWorkspace(token, http, settings.slack_api_url)
    return SlackSide(
        chat=SlackChat(clients),
        decoder=SlackDecoder(clients, channels),
        deliveries=SlackDeliveries(intake, check_form),
        signing_secret=signing_secret,
        oauth_flow=oauth_flow,
        oauth_stores=oauth_stores,
        http=http,
    )
