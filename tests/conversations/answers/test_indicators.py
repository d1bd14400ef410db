"""Indicators of compromise: found in prose, refanged, ordered as written, shown defanged."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from conversations.answers import (
    Accepted,
    Rejected,
    defang,
    display_value,
    indicators,
    parse_answer,
)
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

IOCS = item(AnswerKind.IOCS)
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512 = (
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)


def ioc(kind: str, value: str) -> dict[str, JsonValue]:
    return {"type": kind, "value": value}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("203.0.113.7", [ioc("ipv4", "203.0.113.7")]),
        ("1.2.3[.]4", [ioc("ipv4", "1.2.3.4")]),
        ("1[.]2[.]3[.]4 and 5.6.7(.)8", [ioc("ipv4", "1.2.3.4"), ioc("ipv4", "5.6.7.8")]),
        ("2001:db8::1", [ioc("ipv6", "2001:db8::1")]),
        ("evil.com", [ioc("domain", "evil.com")]),
        ("EVIL[.]COM", [ioc("domain", "evil.com")]),
        ("evil{.}com, evil2[dot]com", [ioc("domain", "evil.com"), ioc("domain", "evil2.com")]),
        ("hxxp://evil[.]com/x", [ioc("url", "http://evil.com/x")]),
        ("HXXPS://Evil[.]com/Path", [ioc("url", "https://evil.com/Path")]),
        ("hxxps[:]//evil[.]com/a", [ioc("url", "https://evil.com/a")]),
        ("see (http://evil.com/a).", [ioc("url", "http://evil.com/a")]),
        ("bad[@]evil[.]com", [ioc("email", "bad@evil.com")]),
        ("bad[at]evil[.]com", [ioc("email", "bad@evil.com")]),
        (MD5.upper(), [ioc("md5", MD5)]),
        (
            f"{MD5} {SHA1} {SHA256} {SHA512}",
            [ioc("md5", MD5), ioc("sha1", SHA1), ioc("sha256", SHA256), ioc("sha512", SHA512)],
        ),
        (
            "The copilot posted to hxxp://evil-cdn[.]example[.]net/x, then 1.2.3[.]4 called in.",
            [ioc("url", "http://evil-cdn.example.net/x"), ioc("ipv4", "1.2.3.4")],
        ),
        # Order of appearance, across types.
        (
            f"{MD5} came from bad@evil.com via 203.0.113.7 and http://evil.net/p",
            [
                ioc("md5", MD5),
                ioc("email", "bad@evil.com"),
                ioc("ipv4", "203.0.113.7"),
                ioc("url", "http://evil.net/p"),
            ],
        ),
        # Deduplicated, the first spelling's position kept.
        ("evil.com then EVIL[.]com, evil(.)com", [ioc("domain", "evil.com")]),
        (
            "http://evil.com/b,http://evil.com/a",
            [ioc("url", "http://evil.com/b"), ioc("url", "http://evil.com/a")],
        ),
    ],
)
def test_iocs_accept(text: str, value: JsonValue) -> None:
    parsed = parse_answer(IOCS, text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("hxxp://evil[.]com/x", [ioc("url", "http://evil.com/x")]),
        ("HXXP://EVIL[.]COM/x", [ioc("url", "http://evil.com/x")]),
        ("http://1.2.3.4/x", [ioc("url", "http://1.2.3.4/x")]),
        ("Bad@Evil.COM", [ioc("email", "bad@evil.com")]),
        (
            "http://evil.com/r?u=other.org&h=" + MD5,
            [ioc("url", "http://evil.com/r?u=other.org&h=" + MD5)],
        ),
    ],
)
def test_parts_of_a_listed_url_or_address_are_not_listed_again(text: str, value: JsonValue) -> None:
    parsed = parse_answer(IOCS, text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value


def test_a_domain_also_written_on_its_own_is_listed() -> None:
    parsed = parse_answer(IOCS, "mail from bad[@]evil[.]com; see evil(.)com and http://evil.com/x")
    assert isinstance(parsed, Accepted)
    assert parsed.value == [
        ioc("email", "bad@evil.com"),
        ioc("domain", "evil.com"),
        ioc("url", "http://evil.com/x"),
    ]


def test_file_names_are_not_domains_unless_written_defanged() -> None:
    parsed = parse_answer(IOCS, "train.py sent README.md to 1.2.3.4; the model is model[.]pt")
    assert isinstance(parsed, Accepted)
    assert parsed.value == [ioc("ipv4", "1.2.3.4"), ioc("domain", "model.pt")]
    assert "read train.py, readme.md as file names" in parsed.display
    only_files = parse_answer(IOCS, "we found payload.py")
    assert isinstance(only_files, Rejected)
    assert "payload.py as file names" in only_files.reason
    assert "payload[.]py" in only_files.reason


@pytest.mark.parametrize("text", ["the usual suspects", "version 1.2", "1.2.3", "hxxp://", "@"])
def test_no_indicator_is_rejected_with_examples(text: str) -> None:
    parsed = parse_answer(IOCS, text)
    assert isinstance(parsed, Rejected)
    assert "couldn't find an indicator" in parsed.reason
    assert "hxxp://evil[.]com/x" in parsed.reason
    assert "1.2.3[.]4" in parsed.reason


def test_display_is_defanged_with_a_count() -> None:
    parsed = parse_answer(
        IOCS,
        f"https://evil.example.com/a.php?x=1 bad@evil.com 203.0.113.7 2001:db8::1 {MD5}",
    )
    assert isinstance(parsed, Accepted)
    shown = (
        "hxxps://evil[.]example[.]com/a[.]php?x=1, bad[@]evil[.]com, 203.0.113[.]7, "
        f"2001:db8::1, {MD5}"
    )
    assert parsed.display == f"5 indicators: {shown}"
    assert display_value(IOCS, parsed.value) == shown
    assert "http" not in shown
    assert "evil.com" not in shown


@pytest.mark.parametrize(
    ("value", "defanged"),
    [
        ("http://evil.com/x", "hxxp://evil[.]com/x"),
        ("https://evil.com", "hxxps://evil[.]com"),
        ("HTTP://evil.com", "hxxp://evil[.]com"),
        ("ftp://evil.com/f.bin", "fxp://evil[.]com/f[.]bin"),
        ("evil.example.com", "evil[.]example[.]com"),
        ("bad@evil.com", "bad[@]evil[.]com"),
        ("203.0.113.7", "203.0.113[.]7"),
        ("2001:db8::1", "2001:db8::1"),
        ("", ""),
    ],
)
def test_defang(value: str, defanged: str) -> None:
    assert defang(value) == defanged


def test_display_of_unexpected_shapes_does_not_fail() -> None:
    weird: JsonValue = [ioc("ipv4", "1.2.3.4"), {"type": "note", "value": None}, "evil.com", 7]
    assert display_value(IOCS, weird) == "1.2.3[.]4, None, evil[.]com, 7"
    assert display_value(IOCS, "evil.com") == "evil[.]com"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # ioc-fanger reads lower-case + "AT"/"ET"/"ARROBA" + lower-case as a defanged "@": in a
        # URL that cut the path ("…/aET today" became "…/a") and recorded another indicator.
        ("payload at hxxp://a0[.]com/aET today", [ioc("url", "http://a0.com/aET")]),
        ("hxxp://evil[.]com/updATe.php", [ioc("url", "http://evil.com/updATe.php")]),
        ("get hxxps://x[.]com/kdATz9?q=ARROBAx", [ioc("url", "https://x.com/kdATz9?q=ARROBAx")]),
        # Outside URLs the fanger's reading of a defanged address still holds.
        ("aliceATevil[.]com", [ioc("email", "alice@evil.com")]),
        (
            "mail aliceETevil[.]com, see hxxp://evil[.]com/aETx",
            [ioc("email", "alice@evil.com"), ioc("url", "http://evil.com/aETx")],
        ),
    ],
)
def test_capital_at_inside_a_url_is_not_read_as_an_at_sign(text: str, value: JsonValue) -> None:
    parsed = parse_answer(IOCS, text)
    assert isinstance(parsed, Accepted)
    assert parsed.value == value


_NAME_PIECES = ["evil", "example", "a", "-", ".", "0", " ", "x-", "[.]", "é", "Z", "evil.example"]


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(st.sampled_from(_NAME_PIECES), max_size=8).map("".join),
    value=st.lists(st.sampled_from(_NAME_PIECES), max_size=3).map("".join),
)
def test_a_whole_name_is_found_as_the_lookaround_pattern_finds_it(text: str, value: str) -> None:
    """`_occurs` by hand is the regex it replaced, on every text (edges, hyphens, repeats)."""
    pattern = rf"(?<![a-z0-9-]){re.escape(value.lower())}(?![a-z0-9-])"
    assert indicators._occurs(text, value) is (re.search(pattern, text) is not None)


def test_an_answer_compiles_no_regex_to_tell_a_file_name_from_a_domain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[str] = []
    search = re.search

    def counting(pattern: str, text: str, flags: int = 0) -> re.Match[str] | None:
        compiled.append(pattern)
        return search(pattern, text, flags)

    monkeypatch.setattr(re, "search", counting)
    assert indicators._looks_like_file_name("invoice.zip", "open invoice.zip today")
    assert not indicators._looks_like_file_name("invoice.zip", "open xinvoice.zip today")
    assert compiled == []
