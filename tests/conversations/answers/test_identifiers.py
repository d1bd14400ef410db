"""CVE ids and ATT&CK / ATLAS technique ids found anywhere in an answer."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from conversations.answers import Accepted, Rejected, display_value, parse_answer
from conversations.answers.techniques import technique_table
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

CVES = item(AnswerKind.CVES)
TECHNIQUES = item(AnswerKind.TECHNIQUES)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("CVE-2024-3094", ["CVE-2024-3094"]),
        ("cve-2024-3094", ["CVE-2024-3094"]),
        ("Affected by CVE-2024-3094.", ["CVE-2024-3094"]),
        (
            "cve-2024-3094 and CVE-2024-3094, CVE-2023-1234567",
            ["CVE-2024-3094", "CVE-2023-1234567"],
        ),
        ("CVE-2025-0001 then CVE-1999-0001", ["CVE-2025-0001", "CVE-1999-0001"]),
        ("CVE\u20132024\u20133094 (pasted from a document)", ["CVE-2024-3094"]),
        ("CVE-2100-99999999", ["CVE-2100-99999999"]),
    ],
)
def test_cves_accept(text: str, value: list[JsonValue]) -> None:
    assert parse_answer(CVES, text) == Accepted(value, ", ".join(map(str, value)))


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("no CVE yet", "couldn't find a CVE id"),
        ("CVE-2024-123", '"CVE-2024-123" is not a CVE id'),
        ("CVE 2024 3094", "is not a CVE id"),
        ("CVE-1998-1234", "CVE-1998-1234 has an impossible year"),
        ("CVE-2101-1234", "impossible year"),
        ("xCVE-2024-3094", "couldn't find a CVE id"),
    ],
)
def test_cves_reject(text: str, mentions: str) -> None:
    parsed = parse_answer(CVES, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason
    assert "CVE-2024-3094" in parsed.reason  # the example of what works


def attack(identifier: str) -> dict[str, JsonValue]:
    return {"framework": "attack", "id": identifier}


def atlas(identifier: str) -> dict[str, JsonValue]:
    return {"framework": "atlas", "id": identifier}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("T1566", [attack("T1566")]),
        ("t1566.001", [attack("T1566.001")]),
        ("AML.T0051", [atlas("AML.T0051")]),
        ("aml.t0051.000", [atlas("AML.T0051.000")]),
        ("AML-T0051", [atlas("AML.T0051")]),
        (
            "AML.T0051 then T1566.001 and t1059, aml.t0051.001",
            [
                atlas("AML.T0051"),
                attack("T1566.001"),
                attack("T1059"),
                atlas("AML.T0051.001"),
            ],
        ),
        ("T1059, T1059 and T1059.", [attack("T1059")]),
        ("(T1059)", [attack("T1059")]),
        ("T1059 and AML.T0051", [attack("T1059"), atlas("AML.T0051")]),
    ],
)
def test_techniques_accept_in_order_written(text: str, value: JsonValue) -> None:
    parsed = parse_answer(TECHNIQUES, text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value


def test_atlas_id_is_never_also_an_attack_id() -> None:
    parsed = parse_answer(TECHNIQUES, "AML.T0051")
    assert parsed == Accepted([atlas("AML.T0051")], "AML.T0051 LLM Prompt Injection")


def test_sub_technique_is_named_with_its_parent() -> None:
    parsed = parse_answer(TECHNIQUES, "T1566.002")
    assert parsed == Accepted([attack("T1566.002")], "T1566.002 Phishing: Spearphishing Link")


@pytest.mark.parametrize(
    ("text", "closest"),
    [
        # An unknown sub-technique of a known technique: the technique and its siblings.
        ("T1566.999", ["T1566 Phishing", "T1566.001 Phishing: Spearphishing Attachment"]),
        # Shaped right but unknown (ICS ids are not Enterprise ids): the nearest numbers.
        ("T0051", ["T1001 Data Obfuscation"]),
        ("AML.T9999", ["AML.T0"]),
    ],
)
def test_unknown_technique_is_refused_with_the_closest_known_ids(
    text: str, closest: list[str]
) -> None:
    parsed = parse_answer(TECHNIQUES, f"we saw {text} and T1059")
    assert isinstance(parsed, Rejected)
    assert parsed.reason.startswith(f"{text} is not a technique in MITRE ")
    assert "The closest known ids: " in parsed.reason
    for label in closest:
        assert label in parsed.reason


def test_revoked_technique_is_accepted_with_a_warning_naming_the_replacement() -> None:
    parsed = parse_answer(TECHNIQUES, "T1086")
    assert isinstance(parsed, Accepted)
    assert parsed.value == [attack("T1086")]
    assert "T1086 is revoked" in parsed.display
    assert "replaced it with T1059.001 Command and Scripting Interpreter: PowerShell" in (
        parsed.display
    )
    assert display_value(TECHNIQUES, parsed.value) == "T1086 PowerShell [revoked]"


def test_deprecated_technique_is_accepted_with_a_warning() -> None:
    parsed = parse_answer(TECHNIQUES, "T1064")
    assert isinstance(parsed, Accepted)
    assert "T1064 is deprecated in MITRE's data; MITRE names no replacement" in parsed.display


def test_table_is_stamped_with_the_data_versions() -> None:
    table = technique_table()
    assert table.attack_version == "18.1"
    assert table.atlas_version == "5.6.0"
    prompt_injection = table.get("AML.T0051")
    assert prompt_injection is not None
    assert prompt_injection.tactics == ("Execution",)
    assert prompt_injection.url == "https://atlas.mitre.org/techniques/AML.T0051"
    phishing_link = table.get("T1566.002")
    assert phishing_link is not None
    assert phishing_link.url == "https://attack.mitre.org/techniques/T1566/002/"


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("phishing", "couldn't find a technique id"),
        ("T156", "couldn't find a technique id"),
        ("T1566.0011", "couldn't find a technique id"),
        ("XT1059", "couldn't find a technique id"),
        ("TA0001", "TA0001 is a tactic"),
        ("aml.ta0002", "AML.TA0002 is a tactic"),
    ],
)
def test_techniques_reject(text: str, mentions: str) -> None:
    parsed = parse_answer(TECHNIQUES, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason
    assert "T1566.001" in parsed.reason
    assert "AML.T0051" in parsed.reason


def test_displays() -> None:
    assert display_value(CVES, ["CVE-2024-3094", "CVE-2023-1234"]) == (
        "CVE-2024-3094, CVE-2023-1234"
    )
    assert display_value(TECHNIQUES, [attack("T1059"), atlas("AML.T0051")]) == (
        "T1059 Command and Scripting Interpreter, AML.T0051 LLM Prompt Injection"
    )
    # An id an older table knew and this one does not is shown as it is, never an error.
    assert display_value(TECHNIQUES, [attack("T9999")]) == "T9999 (ATT&CK)"
