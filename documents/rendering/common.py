"""Small formatting rules shared by the renderings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from conversations.merge import ItemStatus
from documents.assembly import AssembledItem, AssembledReport, Entry

# What each report state means to a reader at JCDC: the stored names are the bot's own.
_STATUS_PHRASES = {
    "open": "Being written by the team",
    "submit_requested": "Confirmed by the lead, being sent",
    "sent": "Sent to JCDC",
    "cancelled": "Cancelled by the team",
}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def status_phrase(status: str) -> str:
    return _STATUS_PHRASES.get(status, status.replace("_", " ").capitalize())


def tlp_line(report: AssembledReport) -> str:
    """The marking and its meaning as FIRST writes them: `TLP:AMBER — limited disclosure, ...`."""
    meaning = report.tlp_meaning
    return f"{report.tlp} — {meaning[:1].lower()}{meaning[1:]}"


def attribution(entry: Entry) -> str:
    edited = f", edited {timestamp(entry.edited_at)}" if entry.edited_at else ""
    return f"{entry.author.name}, {timestamp(entry.at)}{edited}{added_by(entry)}"


def added_by(entry: Entry) -> str:
    """`, added by Bob` for a message someone else put into the report; else nothing."""
    return f", added by {entry.added_by.name}" if entry.added_by is not None else ""


def notes_of(item: AssembledItem) -> list[tuple[str, str]]:
    """(author, note) for each answer to `item` that kept words beside its value: shown with
    a conflict too, where the answers themselves are listed by value only."""
    return [(e.author.name, e.note) for e in item.entries if e.note is not None]


def summary_line(report: AssembledReport) -> str:
    c = report.completeness
    return (
        f"Completeness: {c.answered} of {c.total} items answered ({c.percent}%), "
        f"{c.skipped} skipped, {len(c.open_conflicts)} open conflict(s)."
    )


def contributors_line(report: AssembledReport) -> str:
    people = ", ".join(f"{c.actor.name} ({c.contributions})" for c in report.contributors)
    return f"Contributors: {people or 'none yet'}"


@dataclass(frozen=True)
class Gaps:
    """Unanswered items of one section, as JCDC reads them: number and question."""

    heading: str
    items: tuple[AssembledItem, ...]


def unanswered(report: AssembledReport, *, essential: bool) -> list[Gaps]:
    """The unanswered essentials (or the other unanswered items), grouped by section."""
    groups = []
    for section in report.sections:
        items = tuple(
            i for i in section.items if i.status is ItemStatus.MISSING and i.essential is essential
        )
        if items:
            groups.append(Gaps(f"{section.number}. {section.title}", items))
    return groups


UNANSWERED_TITLES = {
    True: "Essential items not yet answered",
    False: "Other items not yet answered",
}
