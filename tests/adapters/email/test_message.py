"""The submission e-mail: TLP first, both body parts, attachments, no injection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from adapters.email.message import Envelope, PreviousSend, build_submission_email, subject
from conversations.checklist import default_checklist
from documents.assembly import AssembledReport, assemble
from tests.conversations.harness import ALICE, BOB, Harness
from tests.documents.report_fixture import busy_report

ENVELOPE = Envelope(
    sender="ir@example.com", recipients=("CISA.JCDC@cisa.dhs.gov",), cc=("soc@example.com",)
)
SENT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def build(report: AssembledReport, previous: PreviousSend | None = None) -> EmailMessage:
    built = build_submission_email(
        report, ENVELOPE, message_id="<m1@example.com>", date=SENT, previous=previous
    )
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def report() -> AssembledReport:
    h, state = busy_report()
    return assemble(state, h.checklist)


def test_headers(report: AssembledReport) -> None:
    message = build(report)
    assert message["Subject"] == (
        "TLP:AMBER - AI cybersecurity incident report: Prompt injection in <support> copilot "
        "*urgent*"
    )
    assert message["From"] == "ir@example.com"
    assert message["To"] == "CISA.JCDC@cisa.dhs.gov"
    assert message["Cc"] == "soc@example.com"
    assert message["Message-ID"] == "<m1@example.com>"
    assert message["X-TLP"] == "TLP:AMBER"
    assert message["In-Reply-To"] is None


def test_tlp_comes_before_the_content_in_both_parts(report: AssembledReport) -> None:
    message = build(report)
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    text = plain.get_content()
    assert text.startswith("TLP:AMBER\n")
    assert text.rstrip().endswith("TLP:AMBER")
    markup = html.get_content()
    assert markup.index("TLP:AMBER</span>") < markup.index("<h1>")
    assert "Bob" in text  # answers carry their contributors
    assert "Not answered" in text


def test_attachments_parse_back_to_the_same_report(report: AssembledReport) -> None:
    message = build(report)
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"report.json", "report.md"}
    payload = attachments["report.json"].get_content()
    data = json.loads(payload if isinstance(payload, str) else payload.decode())
    assert AssembledReport.model_validate(data) == report
    assert "**TLP:AMBER**" in attachments["report.md"].get_content()


def test_answers_cannot_inject_headers_or_markup() -> None:
    h = Harness()
    h.start("Leak\r\nBcc: attacker@evil.example")
    h.say(ALICE, "amber")
    h.say(BOB, "<script>alert(1)</script> and " + "very long text " * 450)
    assert h.state is not None
    message = build(assemble(h.state, h.checklist))
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert (
        str(message["Subject"])
        .strip()
        .startswith("TLP:AMBER - AI cybersecurity incident report: Leak Bcc")
    )
    html = message.get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()
    raw = message.as_bytes()
    assert max(len(line) for line in raw.splitlines()) <= 998  # RFC 5322 line limit


def test_subject_is_shortened_and_names_the_organisation() -> None:
    h = Harness(default_checklist())
    h.start("x" * 150)
    h.say(ALICE, "amber")  # 0.1
    h.say(ALICE, "ask first")  # 0.2
    h.say(BOB, "Example Corp")  # 0.3, the reporting organisation
    assert h.state is not None
    line = subject(assemble(h.state, h.checklist), follow_up=True)
    assert line.startswith("TLP:AMBER - Update: AI cybersecurity incident report: xxx")
    assert line.endswith("… - Example Corp")


def test_follow_up_threads_under_the_first_email_and_says_what_changed() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    assert h.state is not None
    first = assemble(h.state, h.checklist)
    h.say(BOB, "2.1: 203.0.113.9")
    second = assemble(h.state, h.checklist)
    message = build(second, PreviousSend("<first@example.com>", SENT - timedelta(hours=1), first))
    assert message["In-Reply-To"] == "<first@example.com>"
    assert message["References"] == "<first@example.com>"
    assert "Update:" in message["Subject"]
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "Changed since then: 2.1." in plain.get_content()
    assert plain.get_content().startswith("TLP:AMBER\n")
