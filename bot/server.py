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
from sqlalchemy import text

from adapters.slack.http import SlackEndpoint
from adapters.teams import teams_routes
from bot.admission import admitted
from bot.config_error import ConfigError
from bot.metrics import Metrics
from bot.outbox_worker import OutboxWorker
from bot.ports import ChatPort
from bot.runner import TurnRunner
from bot.settings import Settings
from bot.slack_side import SlackSide, slack_side
from bot.teams_side import TeamsSide, teams_side
from bot.wiring import checklist_from, outbox_worker_from
from storage.repository import ReportStore

__all__ = ["BOT_KEY", "Bot", "ConfigError", "build_bot", "start_socket_mode", "web_app"]

log = logging.getLogger(__name__)


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
    dispatch = admitted(metrics.counting_turns(runner.handle), settings.max_concurrent_turns)
    slack: SlackSide | None = None
    if settings.slack_enabled():
        if socket_mode and not settings.slack_app_token:
            raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (an app-level xapp- token)")
        if not socket_mode and not settings.slack_signing_secret:
            # Without it every forged request would pass: refuse to start instead.
            raise ConfigError("Slack over HTTP needs SLACK_SIGNING_SECRET")
        slack = slack_side(settings, store, dispatch)
        chats["slack"] = slack.chat
    teams: TeamsSide | None = None
    if settings.microsoft_app_id or teams_without_auth:
        teams = teams_side(settings, store, dispatch)
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
