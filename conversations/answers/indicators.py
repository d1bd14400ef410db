"""Indicators of compromise: found in free text, defanged forms accepted, stored refanged.

Extraction is ioc-finder's job (maintained, understands hxxp, [.], (.), [@] and the like);
this module picks the types JCDC asks for, orders them, and defangs them again for display so
that chat and email never carry a live malicious link.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected

# ioc-finder's result keys, in the order indicators are listed.
_TYPES = (
    ("urls", "url"),
    ("domains", "domain"),
    ("email_addresses", "email"),
    ("ipv4s", "ipv4"),
    ("ipv6s", "ipv6"),
    ("md5s", "md5"),
    ("sha1s", "sha1"),
    ("sha256s", "sha256"),
    ("sha512s", "sha512"),
)
IOC_TYPES = tuple(name for _, name in _TYPES)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
IOC_HINT = (
    "List IPs, domains, URLs, e-mail addresses or file hashes; defanged forms such as "
    "hxxp://evil[.]example.com or 203.0.113[.]7 are fine."
)


def find_indicators(text: str) -> list[dict[str, JsonValue]]:
    # Imported here: ioc-finder takes about half a second to import.
    from ioc_finder import find_iocs

    found: Any = find_iocs(
        text,
        parse_domain_from_url=False,
        parse_domain_from_email_address=False,
        parse_urls_without_scheme=False,
        parse_from_url_path=False,
    )
    indicators: list[dict[str, JsonValue]] = []
    seen: set[tuple[str, str]] = set()
    for key, kind in _TYPES:
        for raw in found.get(key, []):
            value = raw.rstrip(_TRAILING_PUNCTUATION) if kind == "url" else raw
            if (kind, value) not in seen:
                seen.add((kind, value))
                indicators.append({"type": kind, "value": value})
    return indicators


def parse_iocs(text: str) -> Parsed:
    indicators = find_indicators(text)
    if not indicators:
        return Rejected(f"I couldn't find an indicator in that. {IOC_HINT}")
    value: list[JsonValue] = list(indicators)
    return Accepted(value, display_iocs(value))


def defang(value: str) -> str:
    """hxxp://evil[.]example/x, 203.0.113[.]7, bad[@]evil[.]example: readable, not clickable."""
    defanged = re.sub(r"^http", "hxxp", value, flags=re.IGNORECASE)
    defanged = defanged.replace("@", "[@]")
    host_end = len(defanged)
    if "://" in defanged:
        start = defanged.index("://") + 3
        slash = defanged.find("/", start)
        host_end = slash if slash != -1 else len(defanged)
    return defanged[:host_end].replace(".", "[.]") + defanged[host_end:]


def display_iocs(value: JsonValue) -> str:
    if not isinstance(value, list):
        return str(value)
    shown = []
    for indicator in value:
        if isinstance(indicator, dict):
            kind, raw = str(indicator.get("type")), str(indicator.get("value"))
            if kind.startswith(("md5", "sha")) or kind == "ipv6":
                shown.append(raw)
            elif kind == "ipv4":
                shown.append("[.]".join(raw.rsplit(".", 1)))
            else:
                shown.append(defang(raw))
    return ", ".join(shown)
