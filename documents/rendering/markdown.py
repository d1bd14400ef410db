"""Markdown for the chat preview and the `report.md` attachment.

Everything a responder typed is escaped, so an answer cannot add headings, links, images or
HTML to the report.
"""

from __future__ import annotations

import re

from conversations.merge import ItemStatus
from documents.assembly import AssembledItem, AssembledReport, Entry
from documents.rendering.common import summary_line, timestamp

# Characters that start emphasis, code, links, images, HTML, tables or strikethrough anywhere.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|<>~])")
# Line starts that would turn a continuation line into a list item, heading or quote.
_BLOCK_START = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s|$)")


def escape(text: str) -> str:
    """Make what a responder typed inert: no markup, links or HTML; line breaks kept."""
    lines = _INLINE_SPECIAL.sub(r"\\\1", text).replace("\r\n", "\n").split("\n")
    return "  \n  ".join(_BLOCK_START.sub(r"\1\\\2", line) for line in lines)


def render_markdown(report: AssembledReport) -> str:
    lines = [
        f"**{report.tlp}**",
        "",
        f"# AI cybersecurity incident report: {escape(report.title)}",
        "",
        f"{report.tlp}: {report.tlp_meaning}",
        "",
        f"- Report: `{report.report_id}` (version {report.version}, "
        f"checklist {report.checklist_version})",
        f"- Lead: {escape(report.lead.name)}",
        f"- Status: {report.status}",
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
        missing = [i.number for i in section.items if i.status is ItemStatus.MISSING]
        if missing:
            lines += ["", f"_Not answered: {', '.join(missing)}_"]
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
    return f"{escape(entry.author.name)}, {timestamp(entry.at)}{edited}"
