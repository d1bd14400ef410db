"""`jcdc-bot playground`: the real bot, with the browser as its only chat platform, served on
a loopback address until SIGINT/SIGTERM.

The same runner, storage (the configured database, the embedded SQLite file by default),
inbox, chat outbox and e-mail outbox as `serve`; Slack and Teams are off whatever the
environment says, so that a playground never answers a real workspace. Who someone is on the
page is whatever name they pick: nothing authenticates it, which is why the playground refuses
to listen anywhere but on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from collections.abc import Callable

from aiohttp import web

from bot.config_error import ConfigError
from bot.server import build_bot, replica_name, web_app
from bot.settings import Settings
from bot.wiring import open_store

DEFAULT_PORT = 8080


def require_loopback(host: str) -> None:
    """The playground's identities are simulated: anyone who can reach it can act as anyone."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"the playground listens on a loopback address only (127.0.0.1, ::1), not {host}: "
            "people on its page are whoever they say they are"
        )


def playground_settings(settings: Settings) -> Settings:
    """The settings with every chat platform but the browser switched off."""
    return settings.model_copy(
        update={
            "slack_bot_token": None,
            "slack_signing_secret": None,
            "slack_app_token": None,
            "slack_client_id": None,
            "slack_client_secret": None,
            "microsoft_app_id": "",
        }
    )


def banner_lines(settings: Settings, url: str) -> list[str]:
    if settings.smtp_host:
        mail = (
            f"SMTP is configured ({settings.smtp_host}): a confirmed report IS e-mailed to "
            f"{settings.email_to}."
        )
    else:
        mail = (
            f"Nothing goes to CISA: no SMTP relay is configured, so a confirmed report is "
            f"written to {settings.outbox_dir}/ and shown on the page."
        )
    return [
        f"jcdc-bot playground on {url} (a playground: simulated people, not an authenticated "
        "deployment)",
        mail,
    ]


async def run_playground(
    settings: Settings,
    host: str,
    port: int,
    *,
    started: Callable[[str], None] = print,
) -> None:
    require_loopback(host)
    settings = playground_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    store = await open_store(settings, wait=False)
    try:
        bot = build_bot(settings, store, replica=replica_name(port), web=True)
        runner = web.AppRunner(web_app(bot), access_log=None, shutdown_timeout=2)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        shown = f"[{host}]" if ":" in host else host
        for line in banner_lines(settings, f"http://{shown}:{port}/"):
            started(line)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        with contextlib.suppress(Exception):
            await store.database.dispose()
