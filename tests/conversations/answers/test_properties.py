"""Property tests: no input makes a parser raise, and valid identifiers round-trip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.answers import Accepted, Rejected, display_value, parse_answer
from conversations.checklist import AnswerKind
from tests.conversations.answers.test_parse_answer import item

FAST = settings(max_examples=150, deadline=None)
# Text that looks a little like real answers, plus arbitrary unicode and control characters.
answers = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,:-+~ TtZzUCGMk[]()hxp/@AMLamber", max_size=40),
    st.from_regex(r"(CVE|cve)-\d{1,5}-\d{1,8}", fullmatch=True),
)


@FAST
@given(kind=st.sampled_from(list(AnswerKind)), text=answers)
def test_parse_never_raises(kind: AnswerKind, text: str) -> None:
    parsed = parse_answer(item(kind), text)
    assert isinstance(parsed, Accepted | Rejected)
    if isinstance(parsed, Accepted):
        assert isinstance(display_value(item(kind), parsed.value), str)


@FAST
@given(year=st.integers(1999, 2100), number=st.integers(1000, 9_999_999))
def test_cve_ids_round_trip(year: int, number: int) -> None:
    cve = f"CVE-{year}-{number}"
    parsed = parse_answer(item(AnswerKind.CVES), f"affected by {cve.lower()}.")
    assert parsed == Accepted([cve], cve)
    assert parse_answer(item(AnswerKind.CVES), parsed.display) == parsed


@FAST
@given(technique=st.integers(0, 9999), sub=st.none() | st.integers(0, 999), atlas=st.booleans())
def test_technique_ids_round_trip(technique: int, sub: int | None, atlas: bool) -> None:
    identifier = (
        ("AML.T" if atlas else "T")
        + f"{technique:04d}"
        + (f".{sub:03d}" if sub is not None else "")
    )
    parsed = parse_answer(item(AnswerKind.TECHNIQUES), identifier.lower())
    assert isinstance(parsed, Accepted)
    assert parsed.value == [{"framework": "atlas" if atlas else "attack", "id": identifier}]
    assert parse_answer(item(AnswerKind.TECHNIQUES), parsed.display) == parsed


@FAST
@given(octets=st.tuples(*[st.integers(1, 223)] + [st.integers(0, 255)] * 3))
def test_defanged_ipv4_refangs(octets: tuple[int, int, int, int]) -> None:
    address = ".".join(map(str, octets))
    defanged = address[: address.rindex(".")] + "[.]" + address[address.rindex(".") + 1 :]
    parsed = parse_answer(item(AnswerKind.IOCS), f"seen from {defanged}")
    assert isinstance(parsed, Accepted)
    assert {"type": "ipv4", "value": address} in parsed.value  # type: ignore[operator]


@FAST
@given(digest=st.binary(min_size=32, max_size=32))
def test_sha256_hashes_round_trip(digest: bytes) -> None:
    value = digest.hex()
    parsed = parse_answer(item(AnswerKind.IOCS), f"sample {value}")
    assert parsed == Accepted([{"type": "sha256", "value": value}], value)
    assert parse_answer(item(AnswerKind.IOCS), parsed.display) == parsed


@FAST
@given(
    label=st.sampled_from(["clear", "green", "amber", "amber+strict", "red"]),
    spelling=st.sampled_from(["{}", "TLP:{}", "tlp {}", "TLP: {}"]),
)
def test_tlp_spellings(label: str, spelling: str) -> None:
    parsed = parse_answer(item(AnswerKind.TLP), spelling.format(label))
    assert parsed == Accepted(f"TLP:{label.upper()}", f"TLP:{label.upper()}")
