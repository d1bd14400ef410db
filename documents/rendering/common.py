"""Small formatting rules shared by the renderings."""

from __future__ import annotations

from datetime import UTC, datetime

from documents.assembly import AssembledReport, Entry


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def attribution(entry: Entry) -> str:
    edited = f", edited {timestamp(entry.edited_at)}" if entry.edited_at else ""
    return f"{entry.author.name}, {timestamp(entry.at)}{edited}"


def summary_line(report: AssembledReport) -> str:
    c = report.completeness
    return (
        f"Completeness: {c.answered} of {c.total} items answered ({c.percent}%), "
        f"{c.skipped} skipped, {len(c.open_conflicts)} open conflict(s)."
    )


def contributors_line(report: AssembledReport) -> str:
    people = ", ".join(f"{c.actor.name} ({c.contributions})" for c in report.contributors)
    return f"Contributors: {people or 'none yet'}"
