"""STIX patterns for the indicators the answers hold (stored refanged, see
conversations.answers.indicators)."""

from __future__ import annotations

# Indicator type → the object path the pattern compares.
_PATHS = {
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "domain": "domain-name:value",
    "url": "url:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
    "sha512": "file:hashes.'SHA-512'",
}


def pattern_for(kind: str, value: str) -> str | None:
    """`[url:value = 'http://...']`, or None for a type STIX has no pattern path for."""
    path = _PATHS.get(kind)
    if path is None:
        return None
    literal = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{path} = '{literal}']"
