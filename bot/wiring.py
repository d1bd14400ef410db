"""Building the application's parts from settings: one place, used by every command."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import exc, make_url, text

from adapters.email.message import MailEnvelope
from adapters.email.smime import Smime
from adapters.email.transport import FileSink, SmtpTransport, Transport
from bot.config_error import ConfigError
from bot.outbox_worker import OutboxWorker
from bot.runner import TurnRunner
from bot.settings import Settings
from conversations.checklist import Checklist, default_checklist, load_checklist
from storage.database import Database, normalise_url
from storage.outbox import Outbox
from storage.repository import ReportStore
from storage.transient import is_transient


def checklist_from(settings: Settings) -> Checklist:
    if settings.checklist_path is None:
        return default_checklist()
    return load_checklist(settings.checklist_path)


log = logging.getLogger(__name__)

# Waiting for the database: retries start quick (a server that is just starting answers within
# a second) and settle at a few seconds; the warning repeats no more often than WARN_EVERY_S.
RETRY_FIRST_S = 0.25
RETRY_CAP_S = 3.0
WARN_EVERY_S = 5.0


async def open_store(settings: Settings, *, wait: bool = True) -> ReportStore:
    """Open the database, bring its schema up to date, and return the report store.

    `wait`: while the database cannot be reached (not started yet, restarting, unreachable
    network), keep trying, with a warning every few seconds, until it can (or the process is
    stopped); a replica started before its database then simply comes up after it. Without
    `wait` (one-shot commands), an unreachable database is a ConfigError at once. Anything
    else that stops the database from opening (a URL that is not one, a driver that is not
    installed, a wrong password, a missing database) is a ConfigError at once either way."""
    secret_url = settings.database_url.get_secret_value()
    shown = settings.database_url_for_logs
    database = _database(secret_url, shown, settings.max_concurrent_turns)
    delay = RETRY_FIRST_S
    warned_at: float | None = None
    try:
        while True:
            try:
                await _connect_once(database, secret_url, shown)
                await database.upgrade()
            except Exception as error:
                if not is_transient(error):
                    raise
                reason = _reason(error, secret_url)
                if not wait:
                    raise ConfigError(f"database not reachable at {shown}: {reason}") from None
                now = time.monotonic()
                if warned_at is None or now - warned_at >= WARN_EVERY_S:
                    log.warning("database not reachable at %s: %s; retrying", shown, reason)
                    warned_at = now
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_CAP_S)
                continue
            if warned_at is not None:
                log.info("database reachable at %s", shown)
            return ReportStore(database)
    except BaseException:
        await database.dispose()
        raise


# Connections beyond the admitted turns: chat lanes marking posts, the sweepers, health checks.
POOL_ROOM = 16


def pool_size(turns: int) -> int:
    """PostgreSQL pool for `turns` admitted turns at once: at least one connection each."""
    return turns + POOL_ROOM


def _database(secret_url: str, shown: str, turns: int = 4) -> Database:
    try:
        if make_url(normalise_url(secret_url)).get_backend_name() == "postgresql":
            # Every admitted turn holds a connection, and so does a chat lane marking what it
            # posted: room for both, and for the sweepers. (Storing a delivery has a pool of
            # its own: storage.database.URGENT_POOL_SIZE.) All of them kept, none overflow:
            # an overflow connection is closed when it comes back, and a burst then opened
            # a new database session for nearly every turn. Three replicas stay well under
            # PostgreSQL's default of 100 connections.
            return Database.from_url(secret_url, pool_size=pool_size(turns), max_overflow=0)
        return Database.from_url(secret_url)
    except (ValueError, exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        raise ConfigError(
            f"DATABASE_URL {shown} cannot be used: {_scrub(str(error), secret_url)} (expected "
            "e.g. sqlite:///jcdc-bot.db or postgresql://user@host/database)"
        ) from None


async def _connect_once(database: Database, secret_url: str, shown: str) -> None:
    """Connect before migrating, so that a refusal by the server itself (wrong password,
    unknown database or role, a SQLite file that cannot be opened) is told as what it is."""
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        if is_transient(error):
            raise
        raise ConfigError(
            f"cannot open the database at {shown}: {_reason(error, secret_url)}"
        ) from None


def _reason(error: BaseException, secret_url: str) -> str:
    """One line about what went wrong: the driver's own message, without SQLAlchemy's
    wrapping, and never the password."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig else error
    message = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return _scrub(message or type(cause).__name__, secret_url)


def _scrub(message: str, secret_url: str) -> str:
    """A driver may quote the URL it was given, or its password: neither leaves this process."""
    try:
        password = make_url(secret_url).password
    except exc.ArgumentError:
        password = None
    message = message.replace(secret_url, "<DATABASE_URL>")
    if password:
        message = message.replace(str(password), "***")
    return message


def transport_from(settings: Settings) -> Transport:
    """SMTP when a relay is configured; otherwise .eml files in OUTBOX_DIR."""
    if not settings.smtp_host:
        return FileSink(settings.outbox_dir)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=password,
        allow_plaintext_auth=settings.smtp_allow_plaintext_auth,
    )


def envelope_from(settings: Settings) -> MailEnvelope:
    return MailEnvelope(
        sender=settings.email_from, recipients=(settings.email_to,), cc=settings.cc()
    )


def smime_from(settings: Settings) -> Smime | None:
    """S/MIME protection when configured; raises SmimeConfigError naming a bad file."""
    return Smime.from_files(settings.smime_cert, settings.smime_sign_cert, settings.smime_sign_key)


def outbox_worker_from(settings: Settings, store: ReportStore, runner: TurnRunner) -> OutboxWorker:
    """The delivery worker; outcomes go back to the thread through `runner`."""
    return OutboxWorker(
        Outbox(store.database),
        transport_from(settings),
        envelope_from(settings),
        runner.checklist,
        runner.policy,
        runner=runner,
        smime=smime_from(settings),
    )
