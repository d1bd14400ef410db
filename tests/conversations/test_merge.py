"""merge_item is memoised by the identity of its inputs: the same objects give the very same
result, and any new object (an edit, a retraction, a resolution) gives a fresh merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversations import merge
from conversations.checklist import default_checklist
from conversations.merge import ItemStatus, merge_item
from conversations.state import Actor, Contribution, Resolution
from tests.conversations.harness import Harness

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
ITEM = default_checklist().item("description.confidence")


def answer(n: int, value: str, **changes: object) -> Contribution:
    fields: dict[str, object] = {
        "id": f"c{n}",
        "item_id": ITEM.id,
        "author": Actor(id=f"U{n}", name=f"P{n}"),
        "at": T0 + timedelta(minutes=n),
        "via": "direct",
        "source_message_id": f"m{n}",
        "raw": value,
        "value": value,
    }
    return Contribution.model_validate(fields | changes)


def test_same_inputs_same_result_object() -> None:
    contributions = (answer(1, "confirmed"),)
    first = merge_item(ITEM, contributions, None, False)
    assert merge_item(ITEM, contributions, None, False) is first
    assert first.status is ItemStatus.ANSWERED


def test_changed_inputs_are_merged_afresh() -> None:
    one = answer(1, "confirmed")
    other = answer(2, "speculative")
    agreed = merge_item(ITEM, (one,), None, False)
    conflict = merge_item(ITEM, (one, other), None, False)
    assert conflict.status is ItemStatus.CONFLICT
    retracted = other.model_copy(update={"retracted_at": T0 + timedelta(hours=1)})
    assert merge_item(ITEM, (one, retracted), None, False).status is ItemStatus.ANSWERED
    resolution = Resolution(
        item_id=ITEM.id, value="confirmed", by=Actor(id="U1", name="P1"), at=T0 + timedelta(hours=2)
    )
    resolved = merge_item(ITEM, (one, other), resolution, False)
    assert resolved.status is ItemStatus.ANSWERED
    assert resolved.value == "confirmed"
    # An equal but distinct object is a fresh merge with an equal result.
    assert merge_item(ITEM, (answer(1, "confirmed"),), None, False) == agreed
    assert merge_item(ITEM, (), None, True).status is ItemStatus.SKIPPED


IOCS = default_checklist().item("detection.iocs")


def indicator(n: int, address: str, **changes: object) -> Contribution:
    fields: dict[str, object] = {
        "id": f"i{n}",
        "item_id": IOCS.id,
        "author": Actor(id=f"U{n % 3}", name=f"P{n % 3}"),
        "at": T0 + timedelta(minutes=n),
        "via": "direct",
        "source_message_id": f"im{n}",
        "raw": address,
        "value": [{"type": "ipv4", "value": address}],
    }
    return Contribution.model_validate(fields | changes)


def from_scratch(contributions: tuple[Contribution, ...]) -> tuple[object, ...]:
    """What a merge of copies gives: new objects, so nothing of the memo can be reused."""
    copies = tuple(c.model_copy() for c in contributions)
    merged = merge_item(IOCS, copies, None, False)
    return (merged.status, merged.value, [c.id for c in merged.contributions], merged.alternatives)


def test_a_growing_accumulating_item_merges_as_if_afresh() -> None:
    # Grows one contribution at a time (the incremental path), with repeats, an edit and a
    # retraction (which start afresh): every result equals a merge of copies.
    contributions: tuple[Contribution, ...] = ()
    for n in range(40):
        contributions += (indicator(n, f"10.0.0.{n % 25}"),)
        merged = merge_item(IOCS, contributions, None, False)
        assert (
            merged.status,
            merged.value,
            [c.id for c in merged.contributions],
            merged.alternatives,
        ) == from_scratch(contributions)
        if n == 20:
            edited = contributions[3].model_copy(
                update={
                    "value": [{"type": "ipv4", "value": "192.0.2.1"}],
                    "edited_at": T0 + timedelta(hours=1),
                }
            )
            contributions = (*contributions[:3], edited, *contributions[4:])
        if n == 30:
            gone = contributions[5].model_copy(update={"retracted_at": T0 + timedelta(hours=2)})
            contributions = (*contributions[:5], gone, *contributions[6:])
    final = merge_item(IOCS, contributions, None, False)
    assert {"type": "ipv4", "value": "192.0.2.1"} in final.value  # type: ignore[operator]
    assert len(final.value) == 26  # type: ignore[arg-type]
    assert final.alternatives == ()


def test_an_earlier_state_still_merges_right_after_a_later_one_grew() -> None:
    # A turn retried on the state before (a lost race) reuses the older entry, or merges anew.
    base = tuple(indicator(n, f"10.1.0.{n}") for n in range(5))
    longer = (*base, indicator(5, "10.1.0.5"))
    longest = (*longer, indicator(6, "10.1.0.6"))
    merge_item(IOCS, base, None, False)
    merge_item(IOCS, longer, None, False)
    assert len(merge_item(IOCS, longest, None, False).value) == 7  # type: ignore[arg-type]
    other = (*longer, indicator(7, "10.1.0.7"))
    value = merge_item(IOCS, other, None, False).value
    assert isinstance(value, list)
    assert [v["value"] for v in value if isinstance(v, dict)] == [
        *(f"10.1.0.{n}" for n in range(6)),
        "10.1.0.7",
    ]


def test_the_memo_stays_within_its_budget_in_contributions() -> None:
    big = tuple(indicator(n, f"10.2.{n // 256}.{n % 256}") for n in range(5000))
    for turn in range(30):
        # Each turn a new report's worth of objects: nothing can be reused, all is held.
        copies = tuple(c.model_copy() for c in big[: 4000 + turn])
        merge_item(IOCS, copies, None, False)
        assert merge.memo_held() <= merge.MEMO_BUDGET + len(copies)
    assert merge.memo_held() <= merge.MEMO_BUDGET


def _by_author_afresh(contributions: tuple[Contribution, ...]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in contributions:
        grouped.setdefault((c.item_id, c.author.id), []).append(c.id)
    return grouped


def test_the_index_by_author_follows_the_report_as_it_grows_and_changes() -> None:
    # Appends take the index over from the last merge; a retraction (a replaced object) and a
    # branch from an earlier state group afresh. Every time it equals a grouping from scratch.
    h = Harness(default_checklist())
    h.start()
    assert h.state is not None
    start = h.state
    contributions: tuple[Contribution, ...] = ()
    states = []
    for n in range(12):
        contributions += (indicator(n, f"10.2.0.{n}"), answer(100 + n % 2, f"v{n}"))
        if n == 7:
            retracted = contributions[4].model_copy(update={"retracted_at": T0})
            contributions = (*contributions[:4], retracted, *contributions[5:])
        state = start.model_copy(update={"contributions": contributions})
        states.append(state)
        merged = merge.merge_report(state, h.checklist, "TLP:AMBER")
        index = {k: [c.id for c in v] for k, v in merged.by_author.items()}
        assert index == _by_author_afresh(contributions)
    earlier = states[3].model_copy(
        update={"contributions": (*states[3].contributions, indicator(50, "10.9.9.9"))}
    )
    merged = merge.merge_report(earlier, h.checklist, "TLP:AMBER")
    assert [c.id for c in merged.contributions_by(IOCS.id, "U2")] == ["i2", "i50"]
    assert merged.contributions_by(IOCS.id, "nobody") == ()


def test_same_value_is_value_key_equality() -> None:
    pairs: list[tuple[object, object]] = [
        ("a", "a"),
        ("a", "b"),
        ({"low": 1, "high": 2}, {"high": 2, "low": 1}),
        ([True], [1]),
        (1, 1.0),
        ([{"type": "ipv4", "value": "10.0.0.1"}], [{"type": "ipv4", "value": "10.0.0.1"}]),
        (None, None),
    ]
    for a, b in pairs:
        expected = merge.value_key(a) == merge.value_key(b)  # type: ignore[arg-type]
        assert merge.same_value(a, b) is expected, (a, b)  # type: ignore[arg-type]


def test_a_report_merged_turn_by_turn_equals_its_merge_from_scratch() -> None:
    from tests.conversations.harness import ALICE, BOB, CAROL

    h = Harness()
    h.start()
    for actor, text in [
        (CAROL, "0.2: Acme Corp"),
        (BOB, "1.2: CVE-2026-1234"),
        (BOB, "0.2: Other Corp"),  # a list item: both kept
        (CAROL, "1.1: incident"),
        (BOB, "1.1: suspicious"),  # a conflict, in a section taken over since
        (CAROL, "1.2: CVE-2026-9999"),
    ]:
        h.say(actor, text)
        assert h.state is not None
        state = h.state
        kept = merge.merge_report(state, h.checklist, h.policy.default_tlp)
        # Copies of every input: nothing the memo holds can be reused.
        copy = state.model_copy(
            update={
                "contributions": tuple(c.model_copy() for c in state.contributions),
                "assignments": tuple(a.model_copy() for a in state.assignments),
                "id": state.id + "-copy",
            }
        )
        fresh = merge.merge_report(copy, h.checklist, h.policy.default_tlp)
        assert kept == fresh
        assert [(s.answered, s.skipped, s.total) for s in kept.sections] == [
            (s.answered, s.skipped, s.total) for s in fresh.sections
        ]
        assert (kept.answered, len(kept.open_conflicts)) == (
            fresh.answered,
            len(fresh.open_conflicts),
        )
    h.command(ALICE, f"assign 1 {CAROL.id}", mentions=(CAROL,))
    assert h.state is not None
    kept = merge.merge_report(h.state, h.checklist, h.policy.default_tlp)
    assert kept.sections[1].assignee is not None
    assert kept.sections[1].assignee.assignee == CAROL
