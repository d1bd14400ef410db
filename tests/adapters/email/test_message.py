"""The submission e-mail: TLP first, both body parts, attachments, no injection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import stix2

from adapters.email.message import MailEnvelope, PreviousSend, build_submission_email, subject
from conversations.checklist import default_checklist
from documents.assembly import AssembledReport, assemble
from documents.stix import render_stix
from tests.conversations.harness import ALICE, BOB, Harness
from tests.documents.demo_report import LEAD, demo_report
from tests.documents.report_fixture import busy_report
from tests.documents.test_stix import assert_valid

ENVELOPE = MailEnvelope(
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
    assert "Other items not yet answered" in text


def test_body_names_no_internal_state_and_lists_gaps_with_their_questions(
    report: AssembledReport,
) -> None:
    message = build(report.model_copy(update={"status": "submit_requested"}))
    for subtype in ("plain", "html"):
        body = message.get_body((subtype,))
        assert body is not None
        content = body.get_content()
        assert "submit_requested" not in content
        assert "Status: Confirmed by the lead, being sent" in content
        assert "1.2 Which CVEs are involved?" in content
        assert "TLP:AMBER:" not in content


def test_attachments_parse_back_to_the_same_report(report: AssembledReport) -> None:
    message = build(report)
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"report.json", "report.md", "report.stix.json"}
    payload = attachments["report.json"].get_content()
    data = json.loads(payload if isinstance(payload, str) else payload.decode())
    assert AssembledReport.model_validate(data) == report
    assert "**TLP:AMBER**" in attachments["report.md"].get_content()


def stix_attachment(message: EmailMessage) -> str:
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "report.stix.json"]
    assert part.get_content_type() == "application/stix+json"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_stix_attachment_parses_back_and_validates() -> None:
    h, state = demo_report()
    report = assemble(state, h.checklist)
    bundle = stix_attachment(build(report))
    assert bundle == render_stix(report)
    parsed = stix2.parse(bundle, allow_custom=False)
    assert json.loads(parsed.serialize()) == json.loads(bundle)
    assert_valid(bundle)


def test_follow_up_attaches_the_bundle_of_the_new_version() -> None:
    h, state = demo_report()
    first = assemble(state, h.checklist)
    h.say(LEAD, "2.6: 192.0.2.99")
    assert h.state is not None
    second = assemble(h.state, h.checklist)
    previous = PreviousSend(message_id="<m0@example.com>", sent_at=SENT, report=first)
    bundle = json.loads(stix_attachment(build(second, previous)))
    patterns = {o.get("pattern") for o in bundle["objects"] if o["type"] == "indicator"}
    assert "[ipv4-addr:value = '192.0.2.99']" in patterns
    assert bundle == json.loads(render_stix(second))


def test_body_leads_with_cisa_key_elements_and_says_which_are_missing(
    report: AssembledReport,
) -> None:
    text = build(report).get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    lines = body.splitlines()
    assert lines[0] == "TLP:AMBER"
    assert lines[2].startswith("CISA key elements: ")
    assert "Missing: " in body.split("\n\n")[1]
    demo, demo_state = demo_report()
    complete = assemble(demo_state, demo.checklist)
    full = build(complete).get_body(preferencelist=("plain",))
    assert full is not None
    assert "CISA key elements: 10 of 10 answered." in full.get_content()
    assert "Missing: " not in full.get_content().split("\n\n")[1]


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
    h.say(ALICE, "0.2: ask first")
    h.say(BOB, "0.3: Example Corp")  # the reporting organisation
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
