"""merge_item is memoised by the identity of its inputs: the same objects give the very same
result, and any new object (an edit, a retraction, a resolution) gives a fresh merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversations.checklist import default_checklist
from conversations.merge import ItemStatus, merge_item
from conversations.state import Actor, Contribution, Resolution

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
