"""CVE ids and MITRE ATT&CK / ATLAS technique ids, found anywhere in the text."""

from __future__ import annotations

import re

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected, quote
from conversations.answers.techniques import technique_table

CVE_HINT = "Give CVE ids such as CVE-2024-3094 (several are fine)."
TECHNIQUE_HINT = (
    "Give MITRE ATT&CK technique ids such as T1566 or T1566.001 and/or MITRE ATLAS ids "
    "such as AML.T0051."
)

# Hyphens as word processors and mail clients rewrite them, so pasted ids still count.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
CVE_PATTERN = re.compile(
    rf"\bCVE[{_DASHES}](\d{{4}})[{_DASHES}](\d{{4,}})\b", re.IGNORECASE | re.ASCII
)
_CVE_LOOKALIKE = re.compile(rf"\bCVE[{_DASHES}\s_]*\d[{_DASHES}\w]*", re.IGNORECASE | re.ASCII)
_CVE_YEARS = range(1999, 2101)
# One pattern for both frameworks so ids come out in the order they were written, and the
# lookbehind keeps the "T0051" inside "AML.T0051" from also counting as an ATT&CK id.
TECHNIQUE_PATTERN = re.compile(
    r"(?<![\w.])(AML[._-]?)?T(\d{4})(?:\.(\d{3}))?(?![\w]|\.\d)", re.IGNORECASE | re.ASCII
)
_TACTIC = re.compile(r"(?<![\w.])(?:AML\.)?TA\d{4}\b", re.IGNORECASE | re.ASCII)
_FRAMEWORK_NAMES = {"attack": "ATT&CK", "atlas": "ATLAS"}


def parse_cves(text: str) -> Parsed:
    found: list[str] = []
    for match in CVE_PATTERN.finditer(text):
        cve = f"CVE-{match.group(1)}-{match.group(2)}"
        if int(match.group(1)) not in _CVE_YEARS:
            return Rejected(f"{cve} has an impossible year (CVE years run from 1999). {CVE_HINT}")
        if cve not in found:
            found.append(cve)
    if found:
        value: list[JsonValue] = list(found)
        return Accepted(value, ", ".join(found))
    lookalike = _CVE_LOOKALIKE.search(text)
    if lookalike is not None:
        return Rejected(
            f"{quote(lookalike.group(0))} is not a CVE id: it is CVE, a four-digit year and a "
            f"number of at least four digits, joined by hyphens. {CVE_HINT}"
        )
    return Rejected(
        f"I couldn't find a CVE id in that. {CVE_HINT} If there is no CVE yet, "
        "skip the question or say so in the description."
    )


def parse_techniques(text: str) -> Parsed:
    found: list[dict[str, JsonValue]] = []
    table = technique_table()
    for match in TECHNIQUE_PATTERN.finditer(text):
        atlas, number, sub = match.groups()
        technique = ("AML.T" if atlas else "T") + number + (f".{sub}" if sub else "")
        known = table.get(technique)
        if known is None:
            return Rejected(_unknown(technique))
        entry: dict[str, JsonValue] = {"framework": known.framework, "id": technique}
        if entry not in found:
            found.append(entry)
    if found:
        value: list[JsonValue] = list(found)
        return Accepted(value, acknowledge_techniques(value))
    tactic = _TACTIC.search(text)
    if tactic is not None:
        return Rejected(
            f"{tactic.group(0).upper()} is a tactic; this question wants techniques. "
            f"{TECHNIQUE_HINT}"
        )
    return Rejected(f"I couldn't find a technique id in that. {TECHNIQUE_HINT}")


def technique_warnings(value: JsonValue) -> list[str]:
    """What to tell whoever named deprecated or revoked techniques (each with the
    replacement MITRE names, if any)."""
    table = technique_table()
    warnings: list[str] = []
    for entry in value if isinstance(value, list) else []:
        known = table.get(str(entry.get("id"))) if isinstance(entry, dict) else None
        warning = table.warning(known) if known is not None else None
        if warning is not None and warning not in warnings:
            warnings.append(warning)
    return warnings


def acknowledge_techniques(value: JsonValue) -> str:
    """The techniques by name, then any warning: how the bot reads the answer back."""
    shown = display_techniques(value)
    warnings = technique_warnings(value)
    return f"{shown} (kept as given; {'; '.join(warnings)})" if warnings else shown


def _unknown(technique: str) -> str:
    table = technique_table()
    framework = "ATLAS" if technique.startswith("AML.") else "ATT&CK Enterprise"
    version = table.atlas_version if framework == "ATLAS" else table.attack_version
    closest = ", ".join(t.label for t in table.closest(technique))
    suggestion = f" The closest known ids: {closest}." if closest else ""
    return f"{technique} is not a technique in MITRE {framework} {version}.{suggestion}"


def display_techniques(value: JsonValue) -> str:
    """`AML.T0051 LLM Prompt Injection, T1566 Phishing`; an id the table does not know (kept
    from an older table) shows with its framework."""
    if not isinstance(value, list):
        return str(value)
    table = technique_table()
    shown = []
    for entry in value:
        if not isinstance(entry, dict):
            shown.append(str(entry))
            continue
        known = table.get(str(entry.get("id")))
        if known is not None:
            flag = f" [{known.status}]" if known.status else ""
            shown.append(known.label + flag)
        else:
            framework = _FRAMEWORK_NAMES.get(str(entry.get("framework")), entry.get("framework"))
            shown.append(f"{entry.get('id')} ({framework})")
    return ", ".join(shown)


def display_cves(value: JsonValue) -> str:
    if not isinstance(value, list):
        return str(value)
    return ", ".join(str(cve) for cve in value)
