"""Building the application's parts from settings: one place, used by every command."""

from __future__ import annotations

from adapters.email.message import Envelope
from adapters.email.smime import Smime
from adapters.email.transport import FileSink, SmtpTransport, Transport
from bot.outbox_worker import OutboxWorker
from bot.runner import TurnRunner
from bot.settings import Settings
from conversations.checklist import Checklist, default_checklist, load_checklist
from storage.database import Database
from storage.outbox import Outbox
from storage.repository import ReportStore


def checklist_from(settings: Settings) -> Checklist:
    if settings.checklist_path is None:
        return default_checklist()
    return load_checklist(settings.checklist_path)


async def open_store(settings: Settings) -> ReportStore:
    """Open the database, bring its schema up to date, and return the report store."""
    database = Database.from_url(settings.database_url.get_secret_value())
    await database.upgrade()
    return ReportStore(database)


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


def envelope_from(settings: Settings) -> Envelope:
    return Envelope(sender=settings.email_from, recipients=(settings.email_to,), cc=settings.cc())


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
