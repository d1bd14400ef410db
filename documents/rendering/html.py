"""HTML for the email body and `report export --format html`.

Every piece of text passes through html.escape: an answer cannot add a script, a link, an
image or markup to what JCDC reads.
"""

from __future__ import annotations

from html import escape

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

_STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;color:#111;max-width:52em}"
    ".tlp{font-weight:bold;font-family:monospace;background:#000;padding:2px 6px}"
    ".conflict{color:#a40000}.who{color:#555;font-size:90%}"
)
# TLP 2.0 colours as FIRST publishes them, on a black background.
_TLP_COLOURS = {
    "TLP:CLEAR": "#ffffff",
    "TLP:GREEN": "#33ff00",
    "TLP:AMBER": "#ffc000",
    "TLP:AMBER+STRICT": "#ffc000",
    "TLP:RED": "#ff2b2b",
}


def render_html(report: AssembledReport) -> str:
    marking = _marking(report.tlp)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report.tlp)} {escape(report.title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<p>{marking}{escape(tlp_line(report).removeprefix(report.tlp))}</p>",
        f"<h1>AI cybersecurity incident report: {escape(report.title)}</h1>",
        "<ul>",
        f"<li>Report <code>{escape(report.report_id)}</code> (version {report.version}, "
        f"checklist {escape(report.checklist_version)})</li>",
        f"<li>Lead: {escape(report.lead.name)}</li>",
        f"<li>Status: {escape(status_phrase(report.status))}</li>",
        f"<li>Started {timestamp(report.created_at)}; as of {timestamp(report.as_of)}</li>",
        f"<li>{escape(summary_line(report))}</li>",
        "<li>Contributors: "
        + (
            escape(", ".join(f"{c.actor.name} ({c.contributions})" for c in report.contributors))
            or "none yet"
        )
        + "</li>",
    ]
    parts += [
        f"<li><strong>{escape(h.label)}:</strong> "
        f"{escape(h.display) if h.display else '<em>not stated</em>'}</li>"
        for h in report.highlights
    ]
    parts.append("</ul>")
    for section in report.sections:
        parts.append(
            f"<h2>{section.number}. {escape(section.title)} "
            f"({section.answered}/{section.total})</h2>"
        )
        if section.assignee is not None:
            parts.append(f'<p class="who">Assigned to {escape(section.assignee.name)}</p>')
        for item in section.items:
            if item.status is ItemStatus.MISSING:
                continue
            parts.append(f"<h3>{escape(item.number)} {escape(item.question)}</h3>")
            parts += _item(item)
    for essential in (True, False):
        groups = unanswered(report, essential=essential)
        if groups:
            parts.append(f"<h2>{UNANSWERED_TITLES[essential]}</h2>")
        for group in groups:
            parts.append(f"<h3>{escape(group.heading)}</h3><ul>")
            parts += [f"<li>{escape(i.number)} {escape(i.question)}</li>" for i in group.items]
            parts.append("</ul>")
    parts += [f"<p>{marking}</p>", "</body></html>", ""]
    return "\n".join(parts)


def _marking(tlp: str) -> str:
    colour = _TLP_COLOURS.get(tlp, "#ffffff")
    return f'<span class="tlp" style="color:{colour}">{escape(tlp)}</span>'


def _item(item: AssembledItem) -> list[str]:
    if item.status is ItemStatus.SKIPPED:
        return ["<p><em>Skipped by the team.</em></p>"]
    if item.status is ItemStatus.CONFLICT:
        rows = [
            f'<li>{escape(a.display)} <span class="who">— '
            f"{escape(', '.join(p.name for p in a.authors))}</span></li>"
            for a in item.alternatives
        ]
        notes = [
            f'<li><span class="note">note from {escape(author)}: {escape(note)}</span></li>'
            for author, note in notes_of(item)
        ]
        return [
            '<p class="conflict">Conflicting answers (not yet resolved):</p>',
            "<ul>",
            *rows,
            *notes,
            "</ul>",
        ]
    lines: list[str] = []
    if item.resolution is not None:
        lines.append(
            f'<p>{escape(item.display or "")} <span class="who">— settled by '
            f"{escape(item.resolution.by.name)}, "
            f"{timestamp(item.resolution.at)}</span></p>"
        )
    lines += ["<ul>", *(_entry(entry) for entry in item.entries), "</ul>"]
    return lines


def _entry(entry: Entry) -> str:
    edited = f", edited {timestamp(entry.edited_at)}" if entry.edited_at else ""
    note = f'<br><span class="note">note: {escape(entry.note)}</span>' if entry.note else ""
    return (
        f'<li>{escape(entry.display).replace(chr(10), "<br>")} <span class="who">— '
        f"{escape(entry.author.name)}, {timestamp(entry.at)}{edited}{escape(added_by(entry))}"
        f"</span>{note}</li>"
    )
