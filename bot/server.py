"""`jcdc-bot serve`: one aiohttp application for Slack, Teams, health and metrics, with the
outbox worker running beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import text

from adapters.slack.app import Dispatch, SlackBot, build_app
from adapters.slack.chat import SlackChat
from adapters.slack.clients import Installations, SingleWorkspace, SlackClients, web_client
from adapters.slack.http import INSTALL_PATH, REDIRECT_PATH, SlackEndpoint
from adapters.slack.pacing import ChannelPacer
from adapters.teams import BotFramework, TeamsChat, TeamsEndpoint, TeamsSettings, teams_routes
from bot.metrics import Metrics
from bot.outbox_worker import OutboxWorker
from bot.ports import ChatPort
from bot.runner import TurnRunner
from bot.settings import Settings
from bot.wiring import checklist_from, outbox_worker_from
from storage.repository import ReportStore
from storage.slack_channels import SlackChannels
from storage.teams_conversations import TeamsConversations

log = logging.getLogger(__name__)

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


class ConfigError(Exception):
    """The environment asks for something that cannot work; the message says what to set."""


@dataclass
class SlackSide:
    app: AsyncApp
    chat: SlackChat
    oauth_stores: tuple[AsyncSQLAlchemyInstallationStore, AsyncSQLAlchemyOAuthStateStore] | None


@dataclass
class TeamsSide:
    framework: BotFramework
    endpoint: TeamsEndpoint
    chat: TeamsChat


@dataclass
class Bot:
    settings: Settings
    store: ReportStore
    runner: TurnRunner
    metrics: Metrics
    worker: OutboxWorker
    slack: SlackSide | None = None
    teams: TeamsSide | None = None
    chats: dict[str, ChatPort] = field(default_factory=dict)


def _slack_side(settings: Settings, store: ReportStore, dispatch: Dispatch) -> SlackSide:
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    oauth_settings: AsyncOAuthSettings | None = None
    oauth_stores = None
    clients: SlackClients
    channels: SlackChannels | None = None
    if settings.slack_oauth():
        assert settings.slack_client_id is not None
        assert settings.slack_client_secret is not None
        engine = store.database.engine
        installations = AsyncSQLAlchemyInstallationStore(settings.slack_client_id, engine)
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
        oauth_stores = (installations, states)
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(SLACK_BOT_SCOPES),
            installation_store=installations,
            state_store=states,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            authorization_url=authorization_url(settings.slack_api_url),
        )
        channels = SlackChannels(store.database)
        clients = Installations(installations, channels, settings.slack_api_url)
        client = web_client(None, settings.slack_api_url)
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        if not token:
            raise ConfigError(
                "Slack needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
            )
        client = web_client(token, settings.slack_api_url)
        clients = SingleWorkspace(client)
    chat = SlackChat(
        clients, ChannelPacer(settings.slack_posts_per_second, settings.slack_post_burst)
    )
    slack_bot = SlackBot(dispatch, chat, channels)
    app = build_app(
        slack_bot, signing_secret=signing_secret, client=client, oauth_settings=oauth_settings
    )
    return SlackSide(app=app, chat=chat, oauth_stores=oauth_stores)


def _teams_side(settings: Settings, store: ReportStore, dispatch: Dispatch) -> TeamsSide:
    framework = BotFramework(
        TeamsSettings(
            app_id=settings.microsoft_app_id,
            app_password=settings.microsoft_app_password.get_secret_value(),
            tenant_id=settings.microsoft_app_tenant_id,
            app_type=settings.microsoft_app_type or "MultiTenant",
        )
    )
    conversations = TeamsConversations(store.database)
    chat = TeamsChat(framework, conversations)
    return TeamsSide(framework, TeamsEndpoint(framework, dispatch, conversations), chat)


def build_bot(
    settings: Settings,
    store: ReportStore,
    *,
    socket_mode: bool = False,
    teams_without_auth: bool = False,
) -> Bot:
    """`teams_without_auth`: serve Teams even without MicrosoftAppId (unauthenticated, for the
    Bot Framework Emulator); `serve` allows it only on a loopback address."""
    checklist = checklist_from(settings)
    policy = settings.policy()
    metrics = Metrics()
    # The runner reads this dict on every turn: ports added below are seen.
    chats: dict[str, ChatPort] = {}
    runner = TurnRunner(store, chats, checklist, policy)
    dispatch = metrics.counting_turns(runner.handle)
    slack: SlackSide | None = None
    if settings.slack_enabled():
        if socket_mode and not settings.slack_app_token:
            raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (an app-level xapp- token)")
        if not socket_mode and not settings.slack_signing_secret:
            # Without it every forged request would pass: refuse to start instead.
            raise ConfigError("Slack over HTTP needs SLACK_SIGNING_SECRET")
        slack = _slack_side(settings, store, dispatch)
        chats["slack"] = slack.chat
    teams: TeamsSide | None = None
    if settings.microsoft_app_id or teams_without_auth:
        teams = _teams_side(settings, store, dispatch)
        chats["teams"] = teams.chat
    worker = outbox_worker_from(settings, store, runner)
    return Bot(settings, store, runner, metrics, worker, slack, teams, chats)


async def _healthz(request: web.Request) -> web.Response:
    bot: Bot = request.app[BOT_KEY]
    try:
        async with bot.store.database.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
    except Exception as error:
        log.warning("health check failed: %r", error)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})


BOT_KEY = web.AppKey("bot", Bot)


def web_app(bot: Bot, *, slack_http: bool = True, run_worker: bool = True) -> web.Application:
    """The aiohttp application. `slack_http=False` under Socket Mode: Slack then never calls
    us, and no unsigned-request endpoint is left open."""
    app = web.Application(middlewares=[bot.metrics.middleware])
    app[BOT_KEY] = bot
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", bot.metrics.endpoint)
    if bot.slack is not None and slack_http:
        secret = bot.settings.slack_signing_secret
        endpoint = SlackEndpoint(bot.slack.app, secret.get_secret_value() if secret else "")
        app.router.add_routes(endpoint.routes())
        app.on_shutdown.append(lambda _: endpoint.drain())
    if bot.teams is not None:
        app.router.add_routes(teams_routes(bot.teams.endpoint))
        framework = bot.teams.framework
        app.on_cleanup.append(lambda _: framework.close())
    app.cleanup_ctx.append(_oauth_tables)
    if run_worker:
        app.cleanup_ctx.append(_outbox_worker)
    return app


async def _oauth_tables(app: web.Application) -> AsyncIterator[None]:
    slack = app[BOT_KEY].slack
    if slack is not None and slack.oauth_stores is not None:
        # slack_sdk's own tables (installations, bots, OAuth states) live beside ours.
        for store in slack.oauth_stores:
            await store.create_tables()  # type: ignore[no-untyped-call]
    yield


async def _outbox_worker(app: web.Application) -> AsyncIterator[None]:
    bot = app[BOT_KEY]
    stop = asyncio.Event()
    task = asyncio.create_task(bot.worker.run(stop), name="outbox-worker")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)


async def start_socket_mode(bot: Bot) -> AsyncSocketModeHandler:
    assert bot.slack is not None
    assert bot.settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(bot.slack.app, bot.settings.slack_app_token.get_secret_value())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler
