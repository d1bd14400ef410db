"""Table-driven tests of every answer kind: accepted inputs and their exact values, and
rejected inputs with reasons that say what would work."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from conversations.answers import (
    MAX_ANSWER_LENGTH,
    Accepted,
    Rejected,
    answer_hint,
    display_value,
    parse_answer,
    split_value,
)
from conversations.checklist import AnswerKind, Item, Option

OPTIONS = (
    Option(id="incident", label="Incident"),
    Option(id="attempted_attack", label="Attempted attack", aliases=("attempt",)),
    Option(id="suspicious", label="Suspicious activity"),
)


def item(kind: AnswerKind, multiple: bool | None = None) -> Item:
    options = OPTIONS if kind in (AnswerKind.CHOICE, AnswerKind.MULTI_CHOICE) else ()
    return Item(
        id="s.i",
        number="1.1",
        question="q",
        help="h",
        kind=kind,
        options=options,
        multiple=multiple,
    )


ACCEPTED: list[tuple[AnswerKind, str, JsonValue]] = [
    (
        AnswerKind.TEXT,
        "  Prompt injected via a support ticket  ",
        "Prompt injected via a support ticket",
    ),
    (AnswerKind.CHOICE, "incident", "incident"),
    (AnswerKind.CHOICE, "Attempted attack.", "attempted_attack"),
    (AnswerKind.CHOICE, "attempt", "attempted_attack"),
    (AnswerKind.CHOICE, "3", "suspicious"),
    (AnswerKind.MULTI_CHOICE, "suspicious activity, 1", ["incident", "suspicious"]),
    (AnswerKind.MULTI_CHOICE, "incident and attempt; incident", ["incident", "attempted_attack"]),
    (AnswerKind.YES_NO, "Yes", "yes"),
    (AnswerKind.YES_NO, "yes, via a partner", "yes"),
    (AnswerKind.YES_NO, "nope", "no"),
    (AnswerKind.YES_NO, "not sure yet", "unknown"),
    (AnswerKind.YES_NO, "no idea", "unknown"),
    (AnswerKind.YES_NO, "n/a", "unknown"),
    (AnswerKind.DATETIME, "2026-11-20 14:03 UTC", "2026-11-20T14:03:00Z"),
    (AnswerKind.DATETIME, "2026-11-20T14:03:07+02:00", "2026-11-20T12:03:07Z"),
    (AnswerKind.DATETIME, "2026-11-20T14:03Z", "2026-11-20T14:03:00Z"),
    (AnswerKind.DATETIME, "2026-11-20 09:03 GMT", "2026-11-20T09:03:00Z"),
    (AnswerKind.DATETIME, "2026-11-20", "2026-11-20"),
    (AnswerKind.NUMBER, "1200", {"low": 1200, "high": 1200, "approximate": False}),
    (AnswerKind.NUMBER, "1,200 users", {"low": 1200, "high": 1200, "approximate": False}),
    (AnswerKind.NUMBER, "~1.2k", {"low": 1200, "high": 1200, "approximate": True}),
    (AnswerKind.NUMBER, "about 3M", {"low": 3_000_000, "high": 3_000_000, "approximate": True}),
    (AnswerKind.NUMBER, "100-200", {"low": 100, "high": 200, "approximate": False}),
    (AnswerKind.NUMBER, "roughly 100 to 200", {"low": 100, "high": 200, "approximate": True}),
    (AnswerKind.NUMBER, "at least 50", {"low": 50, "high": None, "approximate": False}),
    (AnswerKind.NUMBER, ">50", {"low": 50, "high": None, "approximate": False}),
    (AnswerKind.NUMBER, "50+", {"low": 50, "high": None, "approximate": False}),
    (AnswerKind.NUMBER, "2.5", {"low": 2.5, "high": 2.5, "approximate": False}),
    (AnswerKind.SEVERITY, "Moderate", "moderate"),
    (AnswerKind.SEVERITY, "sev", "severe"),
    (AnswerKind.SEVERITY, "4", "severe"),
    (AnswerKind.SEVERITY, "low", "minor"),
    (AnswerKind.CONFIDENCE, "confirmed", "confirmed"),
    (AnswerKind.CONFIDENCE, "suspicious activity", "unverified"),
    (AnswerKind.CONFIDENCE, "likely", "speculative"),
    (AnswerKind.CONFIDENCE, "2", "speculative"),
    (AnswerKind.CONFIDENCE, "confirmed malicious", "confirmed"),
    (
        AnswerKind.IOCS,
        "hxxp://evil-cdn[.]example[.]net/x and 1.2.3[.]4",
        [
            {"type": "url", "value": "http://evil-cdn.example.net/x"},
            {"type": "ipv4", "value": "1.2.3.4"},
        ],
    ),
    (
        AnswerKind.IOCS,
        "mail from bad[@]evil[.]com, see evil(.)com",
        [{"type": "domain", "value": "evil.com"}, {"type": "email", "value": "bad@evil.com"}],
    ),
    (
        AnswerKind.IOCS,
        "http://evil.com/a?x=1, then 2001:db8::1",
        [
            {"type": "url", "value": "http://evil.com/a?x=1"},
            {"type": "ipv6", "value": "2001:db8::1"},
        ],
    ),
    (
        AnswerKind.IOCS,
        "d41d8cd98f00b204e9800998ecf8427e da39a3ee5e6b4b0d3255bfef95601890afd80709",
        [
            {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
            {"type": "sha1", "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        ],
    ),
    (
        AnswerKind.CVES,
        "cve-2024-3094 and CVE-2024-3094, CVE-2023-1234567",
        ["CVE-2024-3094", "CVE-2023-1234567"],
    ),
    (
        AnswerKind.TECHNIQUES,
        "AML.T0051 then T1566.001 and t1059, aml.t0054.000",
        [
            {"framework": "atlas", "id": "AML.T0051"},
            {"framework": "atlas", "id": "AML.T0054.000"},
            {"framework": "attack", "id": "T1566.001"},
            {"framework": "attack", "id": "T1059"},
        ],
    ),
    (AnswerKind.TLP, "amber", "TLP:AMBER"),
    (AnswerKind.TLP, "TLP: AMBER+STRICT", "TLP:AMBER+STRICT"),
    (AnswerKind.TLP, "amber strict", "TLP:AMBER+STRICT"),
    (AnswerKind.TLP, "tlp:red", "TLP:RED"),
    (AnswerKind.TLP, "White", "TLP:CLEAR"),
]


@pytest.mark.parametrize(("kind", "text", "value"), ACCEPTED)
def test_accepted(kind: AnswerKind, text: str, value: JsonValue) -> None:
    parsed = parse_answer(item(kind), text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value
    assert parsed.display


REJECTED: list[tuple[AnswerKind, str, str]] = [
    (AnswerKind.CHOICE, "banana", "1 Incident; 2 Attempted attack; 3 Suspicious activity"),
    (AnswerKind.CHOICE, "4", "Reply with one of"),
    (AnswerKind.MULTI_CHOICE, "incident, banana", "'banana'"),
    (AnswerKind.YES_NO, "maybe", "yes, no or unknown"),
    (AnswerKind.DATETIME, "2026-11-20 14:03", "has no time zone"),
    (AnswerKind.DATETIME, "yesterday", "couldn't read 'yesterday'"),
    (AnswerKind.DATETIME, "2026-02-30", "not a real date"),
    (AnswerKind.NUMBER, "lots", "couldn't read a number"),
    (AnswerKind.NUMBER, "-5", "couldn't read a number"),
    (AnswerKind.NUMBER, "200-100", "runs backwards"),
    (AnswerKind.SEVERITY, "m", "negligible, minor, moderate or severe"),
    (AnswerKind.CONFIDENCE, "very", "unverified"),
    (AnswerKind.IOCS, "the usual suspects", "defanged forms"),
    (AnswerKind.CVES, "no CVE yet", "CVE-2024-3094"),
    (AnswerKind.CVES, "CVE-1900-1234", "impossible year"),
    (AnswerKind.TECHNIQUES, "phishing", "T1566.001"),
    (AnswerKind.TLP, "purple", "clear, green, amber, amber+strict or red"),
]


@pytest.mark.parametrize(("kind", "text", "reason"), REJECTED)
def test_rejected(kind: AnswerKind, text: str, reason: str) -> None:
    parsed = parse_answer(item(kind), text)
    assert isinstance(parsed, Rejected), parsed
    assert reason in parsed.reason


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_empty_and_oversized_answers_are_rejected(kind: AnswerKind) -> None:
    assert parse_answer(item(kind), "  \n ") == Rejected("That answer is empty.")
    oversized = parse_answer(item(kind), "x" * (MAX_ANSWER_LENGTH + 1))
    assert isinstance(oversized, Rejected)
    assert "the limit is 8,000" in oversized.reason


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_every_kind_has_a_hint(kind: AnswerKind) -> None:
    assert answer_hint(item(kind)).endswith(".")


def test_multiple_datetimes() -> None:
    parsed = parse_answer(
        item(AnswerKind.DATETIME, multiple=True),
        "2026-11-20 14:03Z; 2026-11-21\n2026-11-20T14:03:00Z",
    )
    assert parsed == Accepted(
        ["2026-11-20T14:03:00Z", "2026-11-21"], "2026-11-20 14:03 UTC; 2026-11-21"
    )


def test_indicators_are_displayed_defanged() -> None:
    iocs = item(AnswerKind.IOCS)
    parsed = parse_answer(
        iocs,
        "https://evil.example.com/a.b/c bad@evil.com 203.0.113.7 d41d8cd98f00b204e9800998ecf8427e",
    )
    assert isinstance(parsed, Accepted)
    assert parsed.display == (
        "hxxps://evil[.]example[.]com/a.b/c, bad[@]evil[.]com, "
        "203.0.113[.]7, d41d8cd98f00b204e9800998ecf8427e"
    )
    assert display_value(iocs, parsed.value) == parsed.display


def test_display_and_split_values() -> None:
    assert display_value(item(AnswerKind.CHOICE), "suspicious") == "Suspicious activity"
    assert display_value(item(AnswerKind.MULTI_CHOICE), ["incident", "suspicious"]) == (
        "Incident, Suspicious activity"
    )
    assert (
        display_value(item(AnswerKind.NUMBER), {"low": 100, "high": 2000, "approximate": True})
        == "about 100-2,000"
    )
    assert display_value(item(AnswerKind.YES_NO), "unknown") == "Unknown"
    assert split_value(item(AnswerKind.CVES), ["CVE-2024-3094"]) == ["CVE-2024-3094"]
    assert split_value(item(AnswerKind.TEXT), "a") == ["a"]
    assert split_value(item(AnswerKind.CONFIDENCE), "confirmed") == ["confirmed"]
