"""`jcdc-bot serve`: one aiohttp application for Slack, Teams, health and metrics, with the
inbox, chat-outbox and e-mail-outbox workers running beside it.

The path of a delivery: adapter (signature, shape) → intake (stored in the inbox, then the
platform's answer) → inbox worker (one lane per channel) → decoder (stored payload → event)
→ turn runner (one transaction) → chat worker (effects, paced) → adapter's chat port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import text

from bot.chat_worker import ChatRetry, ChatWorker, Pacing
from bot.clock import utc_now
from bot.config_error import ConfigError
from bot.inbox_worker import Decoder, InboxRetry, InboxWorker
from bot.intake import StoringIntake
from bot.logs import logging_batches, logging_turns
from bot.metrics import Metrics
from bot.outbox_worker import OutboxWorker
from bot.ports import ChatPort
from bot.runner import TurnResult, TurnRunner
from bot.settings import Settings
from bot.slack_side import SlackSide, slack_side_from
from bot.wiring import checklist_from, outbox_worker_from
from conversations.events import Event, FormSubmitted
from conversations.form_check import field_errors
from storage.inbox import Inbox, InboxEntry
from storage.repository import ReportStore

if TYPE_CHECKING:
    from adapters.slack.socket_mode import SlackSocket

    # The Agents SDK takes about half a second to import: only when Teams is configured.
    from adapters.teams import BotFramework
    from bot.teams_side import TeamsSide
    from bot.web_side import WebSide

__all__ = ["BOT_KEY", "Bot", "ConfigError", "build_bot", "start_socket_mode", "web_app"]

log = logging.getLogger(__name__)


@dataclass
class Bot:
    settings: Settings
    store: ReportStore
    runner: TurnRunner
    metrics: Metrics
    worker: OutboxWorker
    inbox: Inbox
    inbox_worker: InboxWorker
    intake: StoringIntake
    slack: SlackSide | None = None
    teams: TeamsSide | None = None
    chats: dict[str, ChatPort] = field(default_factory=dict)
    web: WebSide | None = None

    async def settled(self, within: float = 10.0) -> None:
        await settled(self.inbox_worker, self.runner.chat_worker, within)


async def settled(inbox_worker: InboxWorker, chat_worker: ChatWorker, within: float = 10.0) -> None:
    """Wait until every delivery this replica stored is processed and every effect performed
    (tests, benchmarks): nothing left in its inbox lanes or chat lanes."""

    async def quiet() -> None:
        while True:
            await inbox_worker.idle()
            await chat_worker.drain(set(chat_worker.lanes()))
            if not (inbox_worker.busy() or chat_worker.busy()):
                return

    await asyncio.wait_for(quiet(), timeout=within)


def replica_name(port: int | None = None) -> str:
    """A name for this process that survives its restart: its host and port. A restarted
    replica takes over at once what its previous run had leased."""
    return (
        f"{socket.gethostname()}:{port}"
        if port is not None
        else f"{socket.gethostname()}:{os.getpid()}"
    )


def build_bot(
    settings: Settings,
    store: ReportStore,
    *,
    socket_mode: bool = False,
    teams_without_auth: bool = False,
    teams_framework: BotFramework | None = None,
    replica: str | None = None,
    web: bool = False,
) -> Bot:
    """`teams_without_auth`: serve Teams even without MicrosoftAppId (unauthenticated, for the
    Bot Framework Emulator); `serve` allows it only on a loopback address (bot/serve.py).
    `teams_framework`: Teams on this SDK wrapper rather than one made from the settings.
    `web`: serve the browser playground (`jcdc-bot playground`, loopback only)."""
    checklist = checklist_from(settings)
    policy = settings.policy()
    metrics = Metrics(store.database)
    # The runner reads this dict on every effect: ports added below are seen.
    chats: dict[str, ChatPort] = {}
    keep = timedelta(hours=settings.inbox_keep_hours)
    runner = TurnRunner(
        store,
        chats,
        checklist,
        policy,
        owner=replica or replica_name(),
        pacing={"slack": Pacing(settings.slack_posts_per_second, settings.slack_post_burst)},
        chat_retry=ChatRetry(keep_done=keep),
    )
    inbox = Inbox(store.database)
    decoders: dict[str, Decoder] = {}

    async def handle(event: Event, entry: InboxEntry) -> TurnResult:
        return await runner.handle(event, delivery=entry, wait=False)

    inbox_worker = InboxWorker(
        inbox,
        logging_turns(metrics.counting_turns(handle)),
        decoders,
        keep_addresses=runner.keep_addresses,
        concurrency=settings.max_concurrent_turns,
        apologise=runner.apologise,
        retry=InboxRetry(keep_done=keep),
        handle_batch=logging_batches(metrics.counting_batches(runner.handle_batch)),
    )
    intake = StoringIntake(inbox, inbox_worker)

    def check_form(event: FormSubmitted) -> dict[str, str]:
        return field_errors(checklist, event, utc_now())

    slack: SlackSide | None = None
    if settings.slack_enabled():
        slack = slack_side_from(settings, store, intake, check_form, socket_mode=socket_mode)
        chats["slack"] = slack.chat
        decoders["slack"] = slack.decoder
    teams: TeamsSide | None = None
    if settings.microsoft_app_id or teams_without_auth or teams_framework is not None:
        from bot.teams_side import teams_side

        teams = teams_side(settings, store, intake, teams_framework, checklist, runner)
        chats["teams"] = teams.chat
        decoders["teams"] = teams.decoder
    web_playground: WebSide | None = None
    if web:
        from bot.web_side import web_side

        web_playground = web_side(settings, intake)
        chats["web"] = web_playground.chat
        decoders["web"] = web_playground.decoder
    worker = outbox_worker_from(settings, store, runner)
    return Bot(
        settings,
        store,
        runner,
        metrics,
        worker,
        inbox,
        inbox_worker,
        intake,
        slack,
        teams,
        chats,
        web_playground,
    )


async def _healthz(request: web.Request) -> web.Response:
    bot: Bot = request.app[BOT_KEY]
    try:
        await asyncio.wait_for(_select_one(bot), timeout=2)
    except Exception as error:
        log.warning("health check failed: %s", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})


async def _select_one(bot: Bot) -> None:
    async with bot.store.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


BOT_KEY = web.AppKey("bot", Bot)


def web_app(bot: Bot, *, slack_http: bool = True, run_worker: bool = True) -> web.Application:
    """The aiohttp application. `slack_http=False` under Socket Mode: Slack then never calls
    us, and no unsigned-request endpoint is left open. `run_worker=False` (tests): no
    background sweeps or e-mail deliveries; stored deliveries are still processed at once."""
    app = web.Application(middlewares=[bot.metrics.middleware])
    app[BOT_KEY] = bot
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", bot.metrics.endpoint)
    if bot.slack is not None and slack_http:
        app.router.add_routes(bot.slack.routes())
    if bot.slack is not None:
        # After the workers' clean-up (aiohttp runs cleanup_ctx first: it is registered when
        # the application is made), so that their last posts still use the session.
        slack = bot.slack
        app.on_cleanup.append(lambda _: slack.close())
    if bot.teams is not None:
        from adapters.teams import teams_routes

        app.router.add_routes(teams_routes(bot.teams.endpoint))
        framework = bot.teams.framework
        # Keys and the access token before the first request, so that none waits for them.
        app.on_startup.append(lambda _: framework.start())
        app.on_cleanup.append(lambda _: framework.close())
    if bot.web is not None:
        from adapters.web import web_routes

        app.router.add_routes(web_routes(bot.web.endpoint))
        hub = bot.web.hub

        async def end_streams(_: web.Application) -> None:
            hub.close()

        # Before connections are closed: the open tabs' streams end, and shutdown is quick.
        app.on_shutdown.append(end_streams)
    app.cleanup_ctx.append(_oauth_tables)
    app.cleanup_ctx.append(_workers(run_worker))
    return app


async def _oauth_tables(app: web.Application) -> AsyncIterator[None]:
    slack = app[BOT_KEY].slack
    if slack is not None:
        await slack.create_tables()
    yield


def _workers(
    run_background: bool,
) -> Callable[[web.Application], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def workers(app: web.Application) -> AsyncIterator[None]:
        bot = app[BOT_KEY]
        stop = asyncio.Event()
        tasks = []
        if run_background:
            tasks = [
                asyncio.create_task(bot.inbox_worker.run(stop), name="inbox-sweeper"),
                asyncio.create_task(bot.runner.chat_worker.run(stop), name="chat-sweeper"),
                asyncio.create_task(bot.worker.run(stop), name="outbox-worker"),
            ]
        yield
        # Turns in progress finish (their deliveries are settled); what is still waiting
        # stays in the inbox for the next start. Then the effects they queued go out.
        await bot.inbox_worker.close()
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=15)
        await bot.runner.chat_worker.close()

    return workers


async def start_socket_mode(bot: Bot) -> SlackSocket:
    assert bot.slack is not None
    return await bot.slack.connect_socket()
