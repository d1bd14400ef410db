"""Markdown for the chat preview and the `report.md` attachment.

Everything a responder typed is escaped, so an answer cannot add headings, links, images or
HTML to the report.
"""

from __future__ import annotations

import re

from conversations.merge import ItemStatus
from documents.assembly import AssembledItem, AssembledReport, Entry
from documents.rendering.common import (
    UNANSWERED_TITLES,
    added_by,
    notes_of,
    status_phrase,
    summary_line,
    timestamp,
    tlp_line,
    unanswered,
)

# Characters that make emphasis, code, links, images, HTML, strikethrough or table cells
# anywhere in a line. Parentheses, `!`, `#` and `>` mid-line are plain text once `[` and `<`
# are escaped, so they stay as typed (a reader sees "Alice (IR lead)", not "Alice \(IR lead\)").
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<~|])")
# An entity such as `&lt;` or `&#65;` would be decoded by the viewer.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Line starts that would turn a continuation line into a list item, heading, quote or a setext
# heading's underline. An ordered list marker is escaped at its `.` or `)`: CommonMark does not
# treat a backslash before a digit as an escape.
_BLOCK_START = re.compile(
    r"^(\s*)(?:(\d+)([.)])(?=\s|$)|([-+]|#{1,6})(?=\s|$)|(>)|(=+|-{2,})(?=\s*$))"
)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, digits, delimiter = match.group(1), match.group(2), match.group(3)
    if digits is not None:
        return f"{indent}{digits}\\{delimiter}"
    return f"{indent}\\{match.group(0)[len(indent) :]}"


def escape(text: str) -> str:
    """Make what a responder typed inert: no markup, links or HTML; line breaks kept."""
    inline = _ENTITY.sub(r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))
    lines = inline.replace("\r\n", "\n").split("\n")
    return "  \n  ".join(_BLOCK_START.sub(_escape_line_start, line) for line in lines)


def render_markdown(report: AssembledReport) -> str:
    lines = [
        f"**{report.tlp}**",
        "",
        f"# AI cybersecurity incident report: {escape(report.title)}",
        "",
        tlp_line(report),
        "",
        f"- Report: `{report.report_id}` (version {report.version}, "
        f"checklist {report.checklist_version})",
        f"- Lead: {escape(report.lead.name)}",
        f"- Status: {status_phrase(report.status)}",
        f"- Started: {timestamp(report.created_at)}; as of {timestamp(report.as_of)}",
        f"- {summary_line(report)}",
        "- Contributors: "
        + (
            ", ".join(f"{escape(c.actor.name)} ({c.contributions})" for c in report.contributors)
            or "none yet"
        ),
    ]
    if report.highlights:
        lines.append("")
        lines += [
            f"- **{h.label}:** {escape(h.display) if h.display else '_not stated_'}"
            for h in report.highlights
        ]
    for section in report.sections:
        lines += ["", f"## {section.number}. {section.title} ({section.answered}/{section.total})"]
        if section.assignee is not None:
            lines.append(f"_Assigned to {escape(section.assignee.name)}_")
        answered = [i for i in section.items if i.status is not ItemStatus.MISSING]
        for item in answered:
            lines += ["", f"**{item.number} {escape(item.question)}**", *_item_lines(item)]
    for essential in (True, False):
        groups = unanswered(report, essential=essential)
        if groups:
            lines += ["", f"## {UNANSWERED_TITLES[essential]}"]
        for group in groups:
            lines += ["", f"**{group.heading}**", ""]
            lines += [f"- {item.number} {escape(item.question)}" for item in group.items]
    lines += ["", "---", "", f"**{report.tlp}**", ""]
    return "\n".join(lines)


def _item_lines(item: AssembledItem) -> list[str]:
    if item.status is ItemStatus.SKIPPED:
        return ["", "_Skipped by the team._"]
    if item.status is ItemStatus.CONFLICT:
        lines = ["", "**Conflicting answers (not yet resolved):**"]
        lines += [
            f"- {escape(a.display)} — {escape(', '.join(p.name for p in a.authors))}"
            for a in item.alternatives
        ]
        lines += [
            f"  - note from {escape(author)}: {escape(note)}" for author, note in notes_of(item)
        ]
        return lines
    lines = [""]
    if item.resolution is not None:
        lines.append(
            f"{escape(item.display or '')} — _settled by "
            f"{escape(item.resolution.by.name)}, {timestamp(item.resolution.at)}_"
        )
        lines.append("")
        lines.append("Values given:")
    for entry in item.entries:
        lines.append(f"- {escape(entry.display)} — {_attribution(entry)}")
        if entry.note is not None:
            lines.append(f"  - note: {escape(entry.note)}")
    return lines


def _attribution(entry: Entry) -> str:
    edited = f", edited {timestamp(entry.edited_at)}" if entry.edited_at else ""
    return f"{escape(entry.author.name)}, {timestamp(entry.at)}{edited}{escape(added_by(entry))}"
