"""CVE ids and MITRE ATT&CK / ATLAS technique ids, found anywhere in the text."""

from __future__ import annotations

import re

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected

_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,7})\b", re.IGNORECASE)
# ATLAS first, so "AML.T0051" is never also read as the ATT&CK id "T0051".
_ATLAS = re.compile(r"\bAML\.T(\d{4})(?:\.(\d{3}))?\b", re.IGNORECASE)
_ATTACK = re.compile(r"(?<![.\w])T(\d{4})(?:\.(\d{3}))?\b", re.IGNORECASE)
CVE_HINT = "Give CVE ids such as CVE-2024-3094 (several are fine)."
TECHNIQUE_HINT = "Give MITRE ATT&CK ids such as T1566.001 and/or MITRE ATLAS ids such as AML.T0051."


def parse_cves(text: str) -> Parsed:
    found: list[str] = []
    for match in _CVE.finditer(text):
        year = int(match.group(1))
        if not 1999 <= year <= 2100:
            return Rejected(f"{match.group(0)} has an impossible year. {CVE_HINT}")
        cve = f"CVE-{match.group(1)}-{match.group(2)}"
        if cve not in found:
            found.append(cve)
    if not found:
        return Rejected(
            f"I couldn't find a CVE id in that. {CVE_HINT} If there is no CVE yet, "
            "say so with skip or in the description."
        )
    value: list[JsonValue] = list(found)
    return Accepted(value, ", ".join(found))


def parse_techniques(text: str) -> Parsed:
    found: list[dict[str, JsonValue]] = []
    for framework, pattern, prefix in (("atlas", _ATLAS, "AML.T"), ("attack", _ATTACK, "T")):
        for match in pattern.finditer(text):
            technique = prefix + match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
            entry: dict[str, JsonValue] = {"framework": framework, "id": technique}
            if entry not in found:
                found.append(entry)
    if not found:
        return Rejected(f"I couldn't find a technique id in that. {TECHNIQUE_HINT}")
    value: list[JsonValue] = list(found)
    return Accepted(value, display_techniques(value))


def display_techniques(value: JsonValue) -> str:
    if not isinstance(value, list):
        return str(value)
    names = {"attack": "ATT&CK", "atlas": "ATLAS"}
    return ", ".join(
        f"{t.get('id')} ({names.get(str(t.get('framework')), '?')})"
        for t in value
        if isinstance(t, dict)
    )
