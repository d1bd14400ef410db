"""Property tests: no input makes a parser raise, and valid values survive a round trip
through their display (what people see) and back."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from conversations.answers import (
    CONFIDENCE,
    MAX_ANSWER_LENGTH,
    SEVERITY,
    TLP_LABELS,
    Accepted,
    Rejected,
    display_value,
    parse_answer,
)
from conversations.answers.techniques import technique_table
from conversations.checklist import AnswerKind, AnswerOption
from tests.conversations.answers.items import OPTIONS, item

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=20, deadline=None)

# Text that looks a little like real answers, plus arbitrary unicode and control characters.
answers = st.one_of(
    st.text(),
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet="0123456789.,:;-+~ TtZzUCGMk[]()hxp/@AMLamberv\n\x00\x1b\u200b", max_size=60),
    st.from_regex(r"(CVE|cve)-\d{1,5}-\d{1,8}", fullmatch=True),
    st.from_regex(r"(AML\.)?T\d{3,5}(\.\d{2,4})?", fullmatch=True),
)
kinds = st.sampled_from(list(AnswerKind))
multiples = st.sampled_from([None, True, False])


def assert_well_formed(kind: AnswerKind, multiple: bool | None, text: str) -> None:
    parsed = parse_answer(item(kind, multiple), text)
    assert isinstance(parsed, Accepted | Rejected)
    if isinstance(parsed, Accepted):
        json.dumps(parsed.value, allow_nan=False)  # storable as JSON, no NaN or infinity
        assert isinstance(display_value(item(kind, multiple), parsed.value), str)
        assert parsed.display
    else:
        assert parsed.reason


@FAST
@given(kind=kinds, multiple=multiples, text=answers)
def test_parse_never_raises(kind: AnswerKind, multiple: bool | None, text: str) -> None:
    assert_well_formed(kind, multiple, text)


# Repeated fragments near the length limit: the shapes that make extractors slow.
long_answers = st.builds(
    lambda unit, count: (unit * count)[: MAX_ANSWER_LENGTH + 50],
    st.sampled_from(["a@", "a.a@", "http://a", "1.", "[.]", "x ", "é\u0301", "\x00", "9"]),
    st.integers(1000, 4100),
)


@SLOW
@given(kind=kinds, text=long_answers)
def test_long_repetitive_answers_never_raise(kind: AnswerKind, text: str) -> None:
    assert_well_formed(kind, None, text)


def round_trip(kind: AnswerKind, text: str) -> JsonValue:
    """Parse, then parse what people were shown: both must give the same value."""
    parsed = parse_answer(item(kind), text)
    assert isinstance(parsed, Accepted), (text, parsed)
    shown = display_value(item(kind), parsed.value)
    again = parse_answer(item(kind), shown)
    assert isinstance(again, Accepted), (shown, again)
    assert again.value == parsed.value, shown
    return parsed.value


@FAST
@given(year=st.integers(1999, 2100), number=st.integers(0, 99_999_999), width=st.integers(4, 8))
def test_cve_ids_round_trip(year: int, number: int, width: int) -> None:
    cve = f"CVE-{year}-{number:0{width}d}"
    assert round_trip(AnswerKind.CVES, f"affected by {cve.lower()}.") == [cve]


# Only ids MITRE knows are accepted; their names, as displayed, must read back the same.
technique_ids = st.sampled_from(sorted(technique_table().techniques))


@FAST
@given(ids=st.lists(technique_ids, min_size=1, max_size=6, unique=True))
def test_technique_ids_round_trip_in_order(ids: list[str]) -> None:
    value = round_trip(AnswerKind.TECHNIQUES, " and ".join(i.lower() for i in ids))
    assert value == [
        {"framework": "atlas" if i.startswith("AML.") else "attack", "id": i} for i in ids
    ]


octets = st.integers(0, 255)
ipv4s = st.tuples(st.integers(1, 223), octets, octets, octets).map(
    lambda parts: ".".join(map(str, parts))
)
# A dot as people defang it.
dots = st.sampled_from(["[.]", "(.)", "{.}", "[dot]", "."])
labels = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True).filter(
    lambda label: "--" not in label and "hxxp" not in label
)
domains = st.builds(
    lambda names, tld: ".".join([*names, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "net", "org", "info", "io", "dev"]),
)


def defanged(value: str, dot: str) -> str:
    return value.replace(".", dot)


@FAST
@given(address=ipv4s, dot=dots, last_only=st.booleans())
def test_defanged_ipv4_refangs(address: str, dot: str, last_only: bool) -> None:
    head, _, tail = address.rpartition(".")
    text = f"{head}{dot}{tail}" if last_only else defanged(address, dot)
    value = round_trip(AnswerKind.IOCS, f"seen from {text} twice")
    assert value == [{"type": "ipv4", "value": address}]


@FAST
@given(domain=domains, dot=dots)
def test_defanged_domains_refang(domain: str, dot: str) -> None:
    value = round_trip(AnswerKind.IOCS, f"beacons to {defanged(domain, dot)} hourly")
    assert value == [{"type": "domain", "value": domain}]


@FAST
@given(
    domain=domains,
    dot=dots,
    scheme=st.sampled_from(["http", "https"]),
    path=st.from_regex(r"(/[A-Za-z0-9_.-]{1,12}){0,3}", fullmatch=True),
)
# Found by Hypothesis: ioc-fanger read "aET t" as "a@t" and cut the path.
@example(domain="a0.com", dot="[.]", scheme="http", path="/aET")
# And "hAAp" (h, two of x or A-Z, p) as "http".
@example(domain="a0.com", dot="[.]", scheme="http", path="/hAAp")
@example(domain="a0.com", dot="[.]", scheme="https", path="/x/hXYps/hxxp")
def test_defanged_urls_refang(domain: str, dot: str, scheme: str, path: str) -> None:
    url = f"{scheme}://{domain}{path}"
    text = scheme.replace("tt", "xx") + "://" + defanged(domain, dot) + path
    assert round_trip(AnswerKind.IOCS, f"payload at {text} today") == [
        {"type": "url", "value": url.rstrip(".")}
    ]


@FAST
@given(
    local=st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True).filter(
        lambda name: ".." not in name
    ),
    domain=domains,
    at=st.sampled_from(["@", "[@]", "[at]", "(at)"]),
)
def test_defanged_email_addresses_refang(local: str, domain: str, at: str) -> None:
    text = f"{local}{at}{defanged(domain, '[.]')}"
    assert round_trip(AnswerKind.IOCS, f"sent by {text}") == [
        {"type": "email", "value": f"{local}@{domain}"}
    ]


@FAST
@given(
    kind=st.sampled_from([("md5", 16), ("sha1", 20), ("sha256", 32), ("sha512", 64)]),
    data=st.data(),
    upper=st.booleans(),
)
def test_hashes_round_trip(kind: tuple[str, int], data: st.DataObject, upper: bool) -> None:
    name, size = kind
    digest = data.draw(st.binary(min_size=size, max_size=size)).hex()
    written = digest.upper() if upper else digest
    assert round_trip(AnswerKind.IOCS, f"sample {written}") == [{"type": name, "value": digest}]


@FAST
@given(
    low=st.integers(0, 10**12),
    spread=st.none() | st.integers(0, 10**6),
    open_ended=st.booleans(),
    approximate=st.booleans(),
)
def test_counts_round_trip(
    low: int, spread: int | None, open_ended: bool, approximate: bool
) -> None:
    high = None if open_ended else low + (spread or 0)
    value: JsonValue = {"low": low, "high": high, "approximate": approximate}
    assert round_trip(AnswerKind.NUMBER, display_value(item(AnswerKind.NUMBER), value)) == value


@FAST
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
    separator=st.sampled_from(["T", " "]),
)
def test_moments_round_trip_to_utc(moment: datetime, offset_minutes: int, separator: str) -> None:
    zoned = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    expected = zoned.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert round_trip(AnswerKind.DATETIME, zoned.isoformat(sep=separator)) == expected


@FAST
@given(data=st.data())
def test_options_by_id_label_alias_or_number(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(OPTIONS) - 1))
    option = OPTIONS[position]
    spelling = data.draw(
        st.sampled_from(
            [option.id, option.label, option.label.upper(), str(position + 1), *option.aliases]
        )
    )
    assert round_trip(AnswerKind.CHOICE, f" {spelling}. ") == option.id


@FAST
@given(
    chosen=st.lists(st.sampled_from(OPTIONS), min_size=1, unique=True),
    separator=st.sampled_from([", ", "; ", "\n", " and ", ","]),
)
def test_multi_choice_in_checklist_order(chosen: list[AnswerOption], separator: str) -> None:
    value = round_trip(AnswerKind.MULTI_CHOICE, separator.join(o.label for o in chosen))
    assert value == [option.id for option in OPTIONS if option in chosen]


@FAST
@given(
    label=st.sampled_from(TLP_LABELS),
    spelling=st.sampled_from(["{}", "TLP:{}", "tlp {}", "TLP: {}", "{}.", "tlp-{}"]),
    upper=st.booleans(),
)
def test_tlp_spellings(label: str, spelling: str, upper: bool) -> None:
    word = label.removeprefix("TLP:")
    written = spelling.format(word if upper else word.lower())
    assert round_trip(AnswerKind.TLP, written) == label


@FAST
@given(
    scale=st.sampled_from([(AnswerKind.SEVERITY, SEVERITY), (AnswerKind.CONFIDENCE, CONFIDENCE)]),
    data=st.data(),
)
def test_unique_prefixes_of_scale_levels(
    scale: tuple[AnswerKind, tuple[str, ...]], data: st.DataObject
) -> None:
    kind, levels = scale
    level = data.draw(st.sampled_from(levels))
    prefix = level[: data.draw(st.integers(1, len(level)))]
    parsed = parse_answer(item(kind), prefix.upper())
    others = [other for other in levels if other.startswith(prefix)]
    if others == [level]:
        assert parsed == Accepted(level, level)
    else:
        assert isinstance(parsed, Rejected)
        assert re.search(" or ".join(others), parsed.reason)
