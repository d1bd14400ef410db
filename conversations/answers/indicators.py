"""Indicators of compromise: found in free text, defanged forms accepted, stored refanged.

Extraction and refanging are ioc-finder's job (maintained; understands hxxp, [.], (.), [@],
[dot] and the like). This module keeps the types JCDC asks for, orders them as written, drops
what is only part of a URL or e-mail address already listed, and defangs values again for
display so that chat and email never carry a live malicious link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected, plural

# ioc-finder's result keys and our type names, for the types JCDC asks for.
_FINDER_TYPES = {
    "urls": "url",
    "domains": "domain",
    "email_addresses": "email",
    "ipv4s": "ipv4",
    "ipv6s": "ipv6",
    "md5s": "md5",
    "sha1s": "sha1",
    "sha256s": "sha256",
    "sha512s": "sha512",
}
_CONTAINERS = frozenset({"url", "email"})
UNDEFANGED_TYPES = frozenset({"ipv6", "md5", "sha1", "sha256", "sha512"})
# File extensions that are also top-level domains. "train.py" or "model.pt" in a sentence is a
# file far more often than a domain, so such a name counts as a domain only when written
# defanged ("train[.]py"), which is how people mark something as an indicator.
_FILE_EXTENSION_TLDS = frozenset(
    {"cab", "java", "md", "mk", "mov", "pl", "ps", "pt", "py", "rs", "sh", "so", "tf", "zip"}
)
# ioc-finder refangs lowercase "hxxp" itself but passes "HXXP" and "hXXp" through as a scheme.
_DEFANGED_SCHEME = re.compile(r"^h[xt]{2}p(s?)(?=://)", re.IGNORECASE)
_LIVE_SCHEME = re.compile(r"^(?:(http)|(ftp))(?=s?://)", re.IGNORECASE)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$", re.ASCII)
_URL_TRAILING = ".,;:!?'\""
# ioc-fanger (under ioc-finder) reads a lower-case letter, "AT", "ET" or "ARROBA" and a lower-case
# letter as a defanged "@" ("aliceATevil.com"), also inside a URL, where it turns
# "hxxp://evil[.]com/updATe.php" into "http://evil.com/upd" — another indicator, silently.
# Inside URL-shaped words (those with a "/") the three words are hidden behind placeholders
# the fanger does not read, and put back in what ioc-finder reports.
# It also reads "h", two of x or A-Z, and "p" as a defanged "http" wherever it is ("/hAAp x"
# became "/http x"): inside URL-shaped words, such an "h" is hidden too, unless it starts the
# word or follows an opening bracket or quote (a scheme: "hXXps://", "(hxxp[:]//").
_URL_WORD = re.compile(r"\S*/\S*")
_FANGER_AT = re.compile(r"(?<=[a-z])(AT|ET|ARROBA)(?=[a-z]|$)")
_FANGER_HTTP = re.compile(r"(?<=[^(\[<{\"'])h(?=[xA-Z]{2}p)")
_PLACEHOLDERS = {"AT": "ZQ1QZ", "ET": "ZQ2QZ", "ARROBA": "ZQ3QZ", "h": "ZQ4QZ"}
_RESTORE = re.compile("|".join(_PLACEHOLDERS.values()), re.IGNORECASE)
_WORDS = {placeholder: word for word, placeholder in _PLACEHOLDERS.items()}
IOC_HINT = (
    "List IP addresses, domains, URLs, e-mail addresses or file hashes (MD5, SHA-1, SHA-256, "
    "SHA-512); defanged forms such as hxxp://evil[.]com/x, 1.2.3[.]4 or bad[@]evil[.]com "
    "are fine."
)


@dataclass(frozen=True)
class Found:
    indicators: list[dict[str, JsonValue]]
    # Domain-shaped names read as file names ("model.pt"), to tell the person about.
    file_names: list[str]


class _Candidate(NamedTuple):
    position: int
    kind: str
    value: str
    # As ioc-finder reported it, which may differ from the value ("hxxps://...").
    raw: str


def find_indicators(text: str) -> Found:
    haystack, candidates = _candidates(text)
    masked = haystack
    for candidate in candidates:
        if candidate.kind in _CONTAINERS:
            for form in (candidate.raw.lower(), candidate.value.lower()):
                masked = masked.replace(form, " ")
    plain = text.lower()
    indicators: list[dict[str, JsonValue]] = []
    file_names: list[str] = []
    seen: set[tuple[str, str]] = set()
    # By position, then value: ioc-finder's own order is a set's, different run to run.
    for _, kind, value, _raw in sorted(candidates, key=lambda c: (c.position, c.value)):
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        if kind not in _CONTAINERS and not _occurs(masked, value):
            continue  # only ever written as part of a URL or e-mail address listed already
        if kind == "domain" and _looks_like_file_name(value, plain):
            file_names.append(value)
        else:
            indicators.append({"type": kind, "value": value})
    return Found(indicators, file_names)


def _candidates(text: str) -> tuple[str, list[_Candidate]]:
    """ioc-finder's findings with where each first appears in the refanged, lowercased text
    (ioc-finder reports each type as an unordered set)."""
    # Imported here: ioc-finder takes the better part of a second to import.
    from ioc_finder import find_iocs
    from ioc_finder.ioc_finder import prepare_text

    shielded = _shield_url_words(text)
    found: Any = find_iocs(
        shielded,
        parse_domain_from_url=False,
        parse_from_url_path=False,
        parse_domain_from_email_address=False,
        parse_urls_without_scheme=False,
        included_ioc_types=list(_FINDER_TYPES),
    )
    haystack = _unshield(str(prepare_text(shielded))).lower()
    candidates = []
    for key, kind in _FINDER_TYPES.items():
        for raw in map(_unshield, map(str, found.get(key) or [])):
            value = _normalise(kind, raw)
            position = _position(haystack, raw.lower(), value.lower())
            candidates.append(_Candidate(position, kind, value, raw))
    return haystack, candidates


def _shield_url_words(text: str) -> str:
    if _RESTORE.search(text):
        return text  # the text holds a placeholder itself: leave it as written
    return _URL_WORD.sub(lambda word: _shield(word.group(0)), text)


def _shield(word: str) -> str:
    word = _FANGER_AT.sub(lambda m: _PLACEHOLDERS[m.group(1)], word)
    return _FANGER_HTTP.sub(_PLACEHOLDERS["h"], word)


def _unshield(text: str) -> str:
    return _RESTORE.sub(lambda m: _WORDS[m.group(0).upper()], text)


def parse_iocs(text: str) -> Parsed:
    found = find_indicators(text)
    if not found.indicators:
        if found.file_names:
            return Rejected(
                f"I read {', '.join(found.file_names)} as file names, not domains. If you mean "
                f"a domain, write it defanged, e.g. {defang(found.file_names[0])}."
            )
        return Rejected(f"I couldn't find an indicator in that. {IOC_HINT}")
    value: list[JsonValue] = list(found.indicators)
    display = f"{plural(len(value), 'indicator')}: {display_iocs(value)}"
    if found.file_names:
        display += (
            f" (read {', '.join(found.file_names)} as file names; write a domain defanged, "
            f"e.g. {defang(found.file_names[0])}, to include it)"
        )
    return Accepted(value, display)


def defang(value: str) -> str:
    """An indicator as text that no chat or mail client turns into a live link:
    hxxps://evil[.]example/x[.]php, 203.0.113[.]7, bad[@]evil[.]example."""
    if _IPV4.match(value):
        head, _, last = value.rpartition(".")
        return f"{head}[.]{last}"
    defanged = _LIVE_SCHEME.sub(lambda m: "hxxp" if m.group(1) else "fxp", value)
    return defanged.replace("@", "[@]").replace(".", "[.]")


def display_iocs(value: JsonValue) -> str:
    if not isinstance(value, list):
        return defang(str(value))
    shown: list[str] = []
    for indicator in value:
        if not isinstance(indicator, dict):
            shown.append(defang(str(indicator)))
            continue
        kind, raw = indicator.get("type"), str(indicator.get("value"))
        shown.append(raw if kind in UNDEFANGED_TYPES else defang(raw))
    return ", ".join(shown)


def _normalise(kind: str, raw: str) -> str:
    if kind != "url":
        return raw
    url = _DEFANGED_SCHEME.sub(lambda m: "http" + m.group(1).lower(), raw)
    # Sentence punctuation after a link belongs to the sentence; so does an unmatched bracket.
    while url and (
        url[-1] in _URL_TRAILING
        or (url[-1] == ")" and url.count("(") < url.count(")"))
        or (url[-1] == "]" and url.count("[") < url.count("]"))
    ):
        url = url[:-1]
    scheme, separator, rest = url.partition("://")
    return scheme.lower() + separator + rest


def _position(haystack: str, *forms: str) -> int:
    # Indicators ioc-finder rewrote beyond recognition go last.
    positions = [p for p in (haystack.find(form) for form in forms) if p >= 0]
    return min(positions, default=len(haystack))


def _occurs(text: str, value: str) -> bool:
    """`value` (lowercased) in `text` as a whole name: no letter, digit or hyphen around it.
    By hand: a regex made for each value costs a compilation (~0.3 ms) on every answer."""
    needle = value.lower()
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before not in _NAME_CHARS and after not in _NAME_CHARS:
            return True
        start = text.find(needle, start + 1)
    return False


# What continues a name around an occurrence (lowercase ASCII, as the text is compared).
# The empty string (the text's edge) is not in it.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _looks_like_file_name(domain: str, plain: str) -> bool:
    labels = domain.split(".")
    return len(labels) == 2 and labels[1] in _FILE_EXTENSION_TLDS and _occurs(plain, domain)
