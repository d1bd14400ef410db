"""Plain text: the readable body for email and terminals."""

from __future__ import annotations

import textwrap

from conversations.merge import ItemStatus
from documents.assembly import AssembledItem, AssembledReport
from documents.rendering.common import (
    UNANSWERED_TITLES,
    attribution,
    contributors_line,
    notes_of,
    status_phrase,
    summary_line,
    timestamp,
    tlp_line,
    unanswered,
)

_WIDTH = 78


def render_text(report: AssembledReport) -> str:
    lines = [
        report.tlp,
        "",
        f"AI cybersecurity incident report: {report.title}",
        tlp_line(report),
        "",
        f"Report {report.report_id} (version {report.version}, "
        f"checklist {report.checklist_version})",
        f"Lead: {report.lead.name}",
        f"Status: {status_phrase(report.status)}",
        f"Started {timestamp(report.created_at)}; as of {timestamp(report.as_of)}",
        summary_line(report),
        contributors_line(report),
    ]
    if report.highlights:
        lines.append("")
        lines += [f"{h.label}: {h.display or 'not stated'}" for h in report.highlights]
    for section in report.sections:
        heading = f"{section.number}. {section.title} ({section.answered}/{section.total})"
        lines += ["", heading, "=" * len(heading)]
        if section.assignee is not None:
            lines.append(f"Assigned to {section.assignee.name}")
        for item in section.items:
            if item.status is ItemStatus.MISSING:
                continue
            lines += ["", *_wrap(f"{item.number} {item.question}", ""), *_item_lines(item)]
    for essential in (True, False):
        groups = unanswered(report, essential=essential)
        if groups:
            title = UNANSWERED_TITLES[essential]
            lines += ["", title, "=" * len(title)]
        for group in groups:
            lines += ["", group.heading]
            for item in group.items:
                lines += _wrap(f"- {item.number} {item.question}", "    ")
    lines += ["", report.tlp, ""]
    return "\n".join(lines)


def _item_lines(item: AssembledItem) -> list[str]:
    if item.status is ItemStatus.SKIPPED:
        return ["    (skipped by the team)"]
    if item.status is ItemStatus.CONFLICT:
        conflict = ["    CONFLICTING ANSWERS (not yet resolved):"]
        for alternative in item.alternatives:
            names = ", ".join(p.name for p in alternative.authors)
            conflict += _wrap(f"- {alternative.display} ({names})", "    ")
        for author, note in notes_of(item):
            conflict += _wrap(f"note from {author}: {note}", "      ")
        return conflict
    lines: list[str] = []
    if item.resolution is not None:
        lines += _wrap(
            f"{item.display} (settled by {item.resolution.by.name}, "
            f"{timestamp(item.resolution.at)})",
            "    ",
        )
    for entry in item.entries:
        lines += _wrap(f"- {entry.display} ({attribution(entry)})", "    ")
        if entry.note is not None:
            lines += _wrap(f"note: {entry.note}", "      ")
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    wrapped: list[str] = []
    for paragraph in text.splitlines() or [""]:
        wrapped += textwrap.wrap(
            paragraph,
            _WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=True,
            break_on_hyphens=False,
        ) or [indent]
    return wrapped
