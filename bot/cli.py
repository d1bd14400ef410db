"""The `jcdc-bot` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from adapters.email.message import build_submission_email
from adapters.email.message_id import new_message_id
from adapters.email.smime import SmimeConfigError
from adapters.memory import MemoryChat
from bot import event_loop, logs
from bot.clock import utc_now
from bot.config_error import ConfigError
from bot.outbox_worker import OutboxWorker
from bot.retention_cli import audit_command, purge_command
from bot.runner import TurnRunner
from bot.settings import Settings, load_settings
from bot.wiring import (
    checklist_from,
    envelope_from,
    open_store,
    outbox_worker_from,
)
from conversations.answers import answer_hint
from conversations.checklist import ChecklistError
from documents.assembly import AssembledReport, assemble
from documents.cisa import render_cisa
from documents.rendering import render_html, render_json, render_markdown, render_text
from documents.stix import render_stix
from storage.outbox import Outbox
from storage.repository import ReportStore, ReportSummary, SubmissionRecord

T = TypeVar("T")

EXPORT_FORMATS: dict[str, Callable[[AssembledReport], str]] = {
    "md": render_markdown,
    "text": render_text,
    "json": render_json,
    "html": render_html,
    "stix": render_stix,
    "cisa": render_cisa,
}


def _run(coroutine: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coroutine

    try:
        with asyncio.Runner(loop_factory=event_loop.loop_factory()) as runner:
            return runner.run(wrapper())
    except ConfigError as error:  # a database that cannot be opened, say: told, no traceback
        raise click.ClickException(str(error)) from error


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@click.group()
# The installed distribution's version (pyproject.toml), not a second copy of it here.
@click.version_option(package_name="jcdc-bot", prog_name="jcdc-bot")
def main() -> None:
    """Report AI cybersecurity incidents to CISA's JCDC together, from chat."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--socket-mode",
    is_flag=True,
    help="Reach Slack over Socket Mode (needs SLACK_APP_TOKEN; no public URL needed).",
)
@click.option(
    "--teams-local",
    is_flag=True,
    help="Teams without authentication, for the Bot Framework Emulator (loopback host only; "
    "the same as JCDC_TEAMS_LOCAL=1).",
)
def serve(host: str, port: int, socket_mode: bool, teams_local: bool) -> None:
    """Run the bot: Slack, Teams, /healthz and /metrics on one server, plus the outbox."""
    from bot.serve import serve as run_server
    from bot.server import ConfigError

    settings = _settings()
    logs.configure(settings.log_format)
    try:
        _run(
            run_server(
                settings,
                host,
                port,
                socket_mode=socket_mode,
                teams_local=teams_local,
                started=click.echo,
            )
        )
    except (ConfigError, SmimeConfigError, ChecklistError) as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="A loopback address (127.0.0.1 or ::1); any other is refused.",
)
def playground(port: int, host: str) -> None:
    """Try the bot in a browser: a local chat channel with threads on the real engine."""
    from bot.playground import run_playground

    settings = _settings()
    logs.configure(settings.log_format)
    # The page is the playground's output; the terminal shows only what went wrong.
    logging.getLogger().setLevel(logging.WARNING)
    try:
        _run(run_playground(settings, host, port, started=click.echo))
    except (SmimeConfigError, ChecklistError) as error:
        raise click.ClickException(str(error)) from error


@main.command("teams-package")
@click.option(
    "--app-id",
    envvar="MicrosoftAppId",
    required=True,
    help="The bot's Microsoft App ID (Azure Bot registration); default: $MicrosoftAppId.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("jcdc-teams.zip"),
    show_default=True,
)
@click.option("--version", "package_version", default="1.0.0", show_default=True)
def teams_package(app_id: str, out: Path, package_version: str) -> None:
    """Zip the Teams app package (manifest and icons) for upload to Teams."""
    from adapters.teams import write_package

    written = write_package(app_id, out, package_version)
    click.echo(f"Wrote {written}: upload it in Teams (Apps → Manage your apps → Upload an app).")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checklist as JSON.")
def checklist(as_json: bool) -> None:
    """Print the checklist the bot asks."""
    try:
        loaded = checklist_from(_settings())
    except ChecklistError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(loaded.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    click.echo(f"{loaded.title} (version {loaded.version})")
    click.echo(f"Source: {loaded.source}")
    for section in loaded.sections:
        click.echo(f"\n{section.number}. {section.title}")
        click.echo(f"   {section.intro}")
        for item in section.items:
            click.echo(f"\n   {item.number}  {item.question}  [{item.kind.value}, {item.id}]")
            click.echo(f"        {item.help}")
            if item.example:
                click.echo(f"        Example: {item.example}")
            click.echo(f"        {answer_hint(item)}")


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply the database migrations."""

    settings = _settings()

    async def go() -> None:
        # Migrates under a lock (storage.database): safe while other replicas start.
        store = await open_store(settings, wait=False)
        await store.database.dispose()

    _run(go())
    click.echo(f"Database is up to date: {settings.database_url_for_logs}")


@main.group()
def report() -> None:
    """Inspect and export reports."""


@report.command("list")
def list_reports() -> None:
    """List the reports, newest first."""

    settings = _settings()

    async def go() -> list[tuple[ReportSummary, AssembledReport]]:
        store = await open_store(settings, wait=False)
        try:
            rows = await store.list_reports()
            states = [await store.load(row.id) for row in rows]
        finally:
            await store.database.dispose()
        checklist, policy = checklist_from(settings), settings.policy()
        # Counted as the report counts them (answered items of the checklist's total), not as
        # stored contributions: `report list` and report.md must agree.
        return [
            (row, assemble(state, checklist, policy))
            for row, state in zip(rows, states, strict=True)
            if state is not None
        ]

    listed = _run(go())
    if not listed:
        click.echo("No reports yet.")
    for row, assembled in listed:
        c = assembled.completeness
        click.echo(
            f"{row.id}  {row.status:<16} {c.answered:>3} of {c.total} items answered  "
            f"{row.updated_at:%Y-%m-%d %H:%M}  {row.title}"
        )


@report.command()
@click.argument("report_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*sorted(EXPORT_FORMATS), "eml"]),
    default="md",
    show_default=True,
    help="eml builds the e-mail as it would be sent now (not sent).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export(report_id: str, fmt: str, out: Path | None) -> None:
    """Export one report (a unique prefix of its id is enough)."""
    settings = _settings()

    async def go() -> str:
        store = await open_store(settings, wait=False)
        try:
            matches = [r.id for r in await store.list_reports() if r.id.startswith(report_id)]
            if len(matches) != 1:
                found = "no report" if not matches else f"{len(matches)} reports"
                raise click.ClickException(f"{found} with an id starting {report_id!r}")
            state = await store.load(matches[0])
        finally:
            await store.database.dispose()
        assert state is not None
        report = assemble(state, checklist_from(settings), settings.policy())
        if fmt != "eml":
            return EXPORT_FORMATS[fmt](report)
        envelope = envelope_from(settings)
        email = build_submission_email(
            report, envelope, message_id=new_message_id(envelope.sender), date=utc_now()
        )
        return email.as_string()

    rendered = _run(go())
    if out is None:
        sys.stdout.write(rendered)
    else:
        out.write_text(rendered, "utf-8")
        click.echo(f"Wrote {out}")


@main.group()
def outbox() -> None:
    """Submissions to JCDC: inspect, deliver, retry."""


@outbox.command("list")
def outbox_list() -> None:
    """List submissions, oldest first."""

    async def go() -> list[SubmissionRecord]:
        store = await open_store(_settings(), wait=False)
        try:
            return await store.submissions()
        finally:
            await store.database.dispose()

    rows = _run(go())
    if not rows:
        click.echo("The outbox is empty.")
    for row in rows:
        when = (
            f"sent {row.sent_at:%Y-%m-%d %H:%M}"
            if row.sent_at
            else (f"requested {row.requested_at:%Y-%m-%d %H:%M}")
        )
        click.echo(
            f"{row.id}  {row.status:<8} attempts {row.attempts}  {when}  "
            f"{row.message_id or ''}  {row.last_error or ''}".rstrip()
        )


@outbox.command("retry")
@click.argument("submission_id")
def outbox_retry(submission_id: str) -> None:
    """Queue a failed submission again (after fixing what made it fail)."""

    async def go() -> bool:
        store = await open_store(_settings(), wait=False)
        try:
            return await Outbox(store.database).retry(submission_id)
        finally:
            await store.database.dispose()

    if not _run(go()):
        raise click.ClickException(f"no failed submission {submission_id!r}")
    click.echo(f"Queued {submission_id} again; the worker delivers it on its next pass.")


def _worker(settings: Settings, store: ReportStore) -> OutboxWorker:
    checklist = checklist_from(settings)
    policy = settings.policy()
    # No chat platform is attached to this process: outcomes still update the report (status,
    # audit trail) through the engine; the chat adapters pick up posting when they run here.
    return outbox_worker_from(settings, store, TurnRunner(store, MemoryChat(), checklist, policy))


@outbox.command("deliver")
def outbox_deliver() -> None:
    """Deliver every submission that is due now, then stop."""
    settings = _settings()

    async def go() -> int:
        store = await open_store(settings, wait=False)
        try:
            return await _worker(settings, store).drain()
        finally:
            await store.database.dispose()

    try:
        attempts = _run(go())
    except SmimeConfigError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{attempts} delivery attempt(s) made.")


@outbox.command("run")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between passes.")
def outbox_run(poll: float) -> None:
    """Keep delivering submissions as they are confirmed, until interrupted."""
    settings = _settings()

    async def go() -> None:
        # A long-running worker, like serve: it waits for its database to come up.
        store = await open_store(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        try:
            await _worker(settings, store).run(stop, poll)
        finally:
            await store.database.dispose()

    try:
        _run(go())
    except SmimeConfigError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where to write report.md, report.json, report.stix.json, report.cisa.txt, audit.json, "
    "transcript.txt and, unless SMTP_HOST is set, the e-mail sent to JCDC as <message id>.eml.",
)
def demo(out: Path) -> None:
    """Run a scripted multi-responder incident end to end on the configured database."""
    from bot.demo import run_demo, write_demo

    write_demo(_run(run_demo(_settings(), out)), out, click.echo)


@main.group()
def techniques() -> None:
    """The shipped MITRE ATT&CK / ATLAS technique table."""


@techniques.command("update")
@click.option(
    "--attack",
    "attack_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="MITRE ATT&CK Enterprise STIX bundle (attack-stix-data's enterprise-attack.json).",
)
@click.option(
    "--atlas",
    "atlas_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="MITRE ATLAS data (atlas-data's dist/ATLAS.yaml).",
)
@click.option(
    "--attack-version", help="The ATT&CK version, when the bundle has no x-mitre-collection."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the table here instead of over the shipped one.",
)
def techniques_update(
    attack_file: Path, atlas_file: Path, attack_version: str | None, out: Path | None
) -> None:
    """Regenerate the technique table from newer MITRE data files."""
    from bot.techniques import TechniqueDataError, update_table
    from conversations.answers.techniques import TABLE_PATH

    target = out or TABLE_PATH
    try:
        table = update_table(attack_file, atlas_file, target, attack_version)
    except TechniqueDataError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Wrote {len(table['techniques'])} techniques (ATT&CK {table['attack_version']}, "
        f"ATLAS {table['atlas_version']}) to {target}"
    )


# Retention and the audit trail live in a module of their own (bot/retention_cli.py).
main.add_command(purge_command)
report.add_command(audit_command)
