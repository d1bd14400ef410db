"""Running `jcdc-bot serve` until SIGINT/SIGTERM: the aiohttp server, Socket Mode if asked,
and the inbox, chat-outbox and e-mail workers (started by the application itself)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot import event_loop
from bot.collector import tune_for_serving
from bot.server import Bot, ConfigError, build_bot, replica_name, start_socket_mode, web_app
from bot.settings import Settings
from bot.wiring import open_store

log = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def teams_local_mode(settings: Settings, host: str, flag: bool) -> bool:
    """Whether Teams runs unauthenticated (for the Bot Framework Emulator): only when asked
    (`serve --teams-local` or JCDC_TEAMS_LOCAL=1), without MicrosoftAppId, on a loopback
    host. Asked on another host, `serve` refuses to start; not asked, without an app id,
    Teams is off, said in one log line."""
    asked = flag or settings.teams_local
    if settings.microsoft_app_id:
        if asked:
            log.warning("Teams local mode ignored: MicrosoftAppId is set, Teams is authenticated")
        return False
    if not asked:
        log.info(
            "Teams is off: set MicrosoftAppId (or, for the Bot Framework Emulator on this "
            "machine, serve --teams-local / JCDC_TEAMS_LOCAL=1)"
        )
        return False
    if host not in LOOPBACK:
        raise ConfigError(
            f"Teams local mode accepts unauthenticated requests: only on a loopback host "
            f"(--host 127.0.0.1), not {host}"
        )
    log.warning("Teams local mode: /api/messages accepts requests WITHOUT authentication")
    return True


async def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    socket_mode: bool = False,
    teams_local: bool = False,
    started: Callable[[str], None] = print,
    adjust: Callable[[Bot], None] | None = None,
) -> None:
    """`teams_local`: `--teams-local` (see `teams_local_mode`). `adjust`: a last change to
    the assembled bot before it serves (benchmarks only)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    # Waiting for the database may take a while (it is not up yet): a stop meanwhile is an
    # ordinary stop, not a kill.
    opening = asyncio.create_task(open_store(settings))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({opening, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not opening.done():
        opening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opening
        log.info("stopped before the database was reachable")
        return
    stopping.cancel()
    store = opening.result()
    local = teams_local_mode(settings, host, teams_local)
    bot = build_bot(
        settings,
        store,
        socket_mode=socket_mode,
        teams_without_auth=local,
        replica=replica_name(port),
    )
    if adjust is not None:
        adjust(bot)
    runner = web.AppRunner(web_app(bot, slack_http=not socket_mode), access_log=None)
    await runner.setup()
    # Everything start-up makes exists now: out of the garbage collector's way (bot/collector).
    tune_for_serving()
    site = web.TCPSite(runner, host, port)
    await site.start()
    socket = await start_socket_mode(bot) if socket_mode and bot.slack is not None else None
    platforms = ", ".join(sorted(bot.chats)) or "no chat platform configured"
    mode = " (Slack over Socket Mode)" if socket is not None else ""
    started(f"jcdc-bot listening on http://{host}:{port} — {platforms}{mode}")
    log.info("event loop: %s", event_loop.name())
    try:
        await stop.wait()
    finally:
        if socket is not None:
            await socket.close()
        await runner.cleanup()
        await store.database.dispose()
