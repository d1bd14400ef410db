"""`jcdc-bot purge` and `jcdc-bot report audit`: the retention policy and the audit trail, for
the operator (storage/retention.py says what is kept)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import click

from bot.clock import utc_now
from bot.config_error import ConfigError
from bot.settings import Settings, load_settings
from bot.wiring import open_store
from conversations.effects import AuditEntry
from storage.retention import PurgeResult, purge

AUDIT_COLUMNS = ("at", "actor_id", "actor_name", "action", "item_id", "detail")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be purged; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Apply the retention policy (JCDC_RETENTION_DAYS, JCDC_INBOX_KEEP_HOURS)."""
    from bot.cli import _run

    settings = _settings()

    async def go() -> PurgeResult:
        store = await open_store(settings, wait=False)
        try:
            days = settings.retention_days
            return await purge(
                store.database,
                now=utc_now(),
                retention=timedelta(days=days) if days is not None else None,
                keep_processed=timedelta(hours=settings.inbox_keep_hours),
                dry_run=dry_run,
            )
        finally:
            await store.database.dispose()

    result = _run(go())
    if settings.retention_days is None:
        click.echo("JCDC_RETENTION_DAYS is not set: reports are kept.")
    click.echo(("Would purge: " if dry_run else "Purged: ") + result.summary())
    for report_id in result.reports:
        click.echo(f"  {report_id}")


def entry_record(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor.id,
        "actor_name": entry.actor.name,
        "action": entry.action,
        "item_id": entry.item_id,
        "detail": entry.detail,
    }


def render_audit(entries: list[AuditEntry], fmt: str) -> str:
    records = [entry_record(entry) for entry in entries]
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        detail = json.dumps(record["detail"], ensure_ascii=False, sort_keys=True)
        writer.writerow(record | {"item_id": record["item_id"] or "", "detail": detail})
    return buffer.getvalue()


@click.command("audit")
@click.argument("report_id")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def audit_command(report_id: str, fmt: str) -> None:
    """Export a report's audit trail: who did what, when (a unique id prefix is enough)."""
    from bot.cli import _run

    settings = _settings()

    async def go() -> list[AuditEntry]:
        store = await open_store(settings, wait=False)
        try:
            matches = [r.id for r in await store.list_reports() if r.id.startswith(report_id)]
            if len(matches) != 1:
                found = "no report" if not matches else f"{len(matches)} reports"
                raise click.ClickException(f"{found} with an id starting {report_id!r}")
            return await store.audit_trail(matches[0])
        finally:
            await store.database.dispose()

    click.echo(render_audit(_run(go()), fmt), nl=False)
