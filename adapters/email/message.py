"""The submission e-mail, built with the standard `email` package. Pure: no I/O, no clock.

The TLP label leads the subject and the body (TLP 2.0's rule for e-mail). The subject names
no incident details beyond the title the lead chose, because subjects travel unencrypted. The
body is plain text and HTML and leads with CISA's key elements; the typed report rides along
as JSON, Markdown and a STIX 2.1 bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from documents.assembly import AssembledReport
from documents.cisa import key_elements_lines
from documents.rendering import render_html, render_json, render_markdown, render_text
from documents.stix import render_stix

# Control characters (CR and LF included) would let an answer forge headers: never in a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MAX_SUBJECT_PART = 80


@dataclass(frozen=True)
class PreviousSend:
    """The last e-mail sent for this report: a follow-up threads under it and says what changed."""

    message_id: str
    sent_at: datetime
    report: AssembledReport


@dataclass(frozen=True)
class MailEnvelope:
    sender: str
    recipients: tuple[str, ...]
    cc: tuple[str, ...] = ()


def header_safe(text: str, limit: int = _MAX_SUBJECT_PART) -> str:
    """One line, no control characters, at most `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def subject(report: AssembledReport, follow_up: bool) -> str:
    organisation = next(
        (h.display for h in report.highlights if h.label == "Reporting organisation" and h.display),
        None,
    )
    parts = [
        report.tlp,
        ("Update: " if follow_up else "")
        + f"AI cybersecurity incident report: {header_safe(report.title)}",
    ]
    if organisation:
        parts.append(header_safe(organisation, 60))
    return " - ".join(parts)


def changes_since(previous: AssembledReport, current: AssembledReport) -> list[str]:
    """Item numbers whose answer, status or contributors changed since the previous send."""
    before = {item.id: item for section in previous.sections for item in section.items}
    changed = []
    for section in current.sections:
        for item in section.items:
            old = before.get(item.id)
            if old is None or (old.status, old.display, old.entries) != (
                item.status,
                item.display,
                item.entries,
            ):
                changed.append(item.number)
    return changed


def build_submission_email(
    report: AssembledReport,
    envelope: MailEnvelope,
    *,
    message_id: str,
    date: datetime,
    previous: PreviousSend | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(report, follow_up=previous is not None)
    message["From"] = envelope.sender
    message["To"] = ", ".join(envelope.recipients)
    if envelope.cc:
        message["Cc"] = ", ".join(envelope.cc)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if previous is not None:
        message["In-Reply-To"] = previous.message_id
        message["References"] = previous.message_id
    # Machine-readable marking for mail gateways and for JCDC's own filters.
    message["X-TLP"] = report.tlp
    message["X-JCDC-Report-ID"] = report.report_id
    message["X-JCDC-Report-Version"] = str(report.version)

    # The TLP label, then (for a follow-up) what changed, then CISA's key elements and which
    # are missing, then the report itself.
    lead = [report.tlp]
    if previous is not None:
        lead.append(_follow_up_note(previous, report))
    key_elements = key_elements_lines(report)
    text = "\n\n".join([*lead, "\n".join(key_elements), render_text(report)])
    lead_html = "".join(
        [f"<p><strong>{escape(lead[0])}</strong></p>"]
        + [f"<p>{escape(line)}</p>" for line in lead[1:]]
        + [f"<p>{escape(key_elements[0])}</p><ul>"]
        + [f"<li>{escape(line.removeprefix('- '))}</li>" for line in key_elements[1:]]
        + ["</ul>"]
    )
    html = render_html(report).replace("<body>", f"<body>{lead_html}", 1)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    message.make_mixed()
    message.add_attachment(
        render_json(report).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename="report.json",
    )
    message.add_attachment(
        render_markdown(report).encode("utf-8"),
        maintype="text",
        subtype="markdown",
        filename="report.md",
    )
    # The STIX 2.1 bundle of this version, for JCDC's analysts' tools.
    message.add_attachment(
        render_stix(report).encode("utf-8"),
        maintype="application",
        subtype="stix+json",
        params={"version": "2.1"},
        filename="report.stix.json",
    )
    return message


def _follow_up_note(previous: PreviousSend, report: AssembledReport) -> str:
    changed = changes_since(previous.report, report)
    listing = ", ".join(changed) if changed else "no item answers (details only)"
    return (
        f"This updates our report sent on {format_datetime(previous.sent_at)} as "
        f"{previous.message_id}. Changed since then: {listing}."
    )
