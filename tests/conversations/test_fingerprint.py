"""The content fingerprint changes with what JCDC would read, and only with that."""

from __future__ import annotations

from datetime import timedelta

from pydantic import JsonValue

from conversations.fingerprint import content_fingerprint
from conversations.state import Actor, Contribution, ReportState, Resolution
from tests.conversations.harness import ALICE, BOB, CAROL, T0

TLP = "TLP:AMBER"


def answer(n: int, item_id: str, value: JsonValue, author: Actor = BOB) -> Contribution:
    return Contribution(
        id=f"c{n}",
        item_id=item_id,
        author=author,
        at=T0 + timedelta(minutes=n),
        via="direct",
        source_message_id=f"m{n}",
        raw=str(value),
        value=value,
    )


IOCS: list[JsonValue] = [
    {"type": "ipv4", "value": "203.0.113.7"},
    {"type": "domain", "value": "evil.example"},
]
# The same values with their keys in the other order.
IOCS_REORDERED: list[JsonValue] = [
    {"value": "203.0.113.7", "type": "ipv4"},
    {"value": "evil.example", "type": "domain"},
]


def report(*contributions: Contribution, **changes: object) -> ReportState:
    state = ReportState(
        id="r",
        platform="test",
        channel="C1",
        title="Prompt injection",
        lead=ALICE,
        created_at=T0,
        updated_at=T0,
        checklist_version="1",
        contributions=contributions,
    )
    return state.model_copy(update=changes)


def test_it_is_a_sha256_hex_digest_and_stable() -> None:
    fingerprint = content_fingerprint(report(answer(1, "a", "x")), TLP)
    assert len(fingerprint) == 64
    assert int(fingerprint, 16) >= 0
    assert fingerprint == content_fingerprint(report(answer(1, "a", "x")), TLP)


def test_order_authors_times_and_key_order_do_not_count() -> None:
    one = report(answer(1, "a", "x"), answer(2, "iocs", IOCS))
    other = report(
        answer(7, "iocs", IOCS_REORDERED, author=CAROL),
        answer(8, "a", "x", author=CAROL),
        answer(9, "a", "x"),  # the same value again, from someone else
    )
    assert content_fingerprint(one, TLP) == content_fingerprint(other, TLP)


def test_values_marking_title_resolutions_and_withdrawals_count() -> None:
    base = report(answer(1, "a", "x"), answer(2, "b", "y"))
    resolved = base.model_copy(
        update={"resolutions": (Resolution(item_id="b", value="y", by=ALICE, at=T0),)}
    )
    withdrawn = report(
        answer(1, "a", "x"), answer(2, "b", "y").model_copy(update={"retracted_at": T0})
    )
    variants = [
        report(answer(1, "a", "x"), answer(2, "b", "z")),
        report(answer(1, "a", "x"), answer(2, "c", "y")),
        base.model_copy(update={"title": "Prompt injection, again"}),
        resolved,
        withdrawn,
    ]
    fingerprints = {content_fingerprint(v, TLP) for v in variants}
    assert len(fingerprints) == len(variants)
    assert content_fingerprint(base, TLP) not in fingerprints
    assert content_fingerprint(base, "TLP:RED") != content_fingerprint(base, TLP)
