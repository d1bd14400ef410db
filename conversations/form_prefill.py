"""What a section form shows for one item: the report's merged answer (everybody's, not only
the opener's), and the conflict the lead has yet to settle.

The same function decides, when the form comes back, whether a field was left as it was: a
field is unchanged when it still says what the form would show now, and an unchanged field
records nothing (no new contribution, no duplicate, no conflict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import JsonValue

from conversations.answers import display_value, split_value
from conversations.checklist import AnswerKind
from conversations.merge import ItemMerge, ItemStatus, value_key
from conversations.state import Actor

# Several people's free texts stand apart in the field, a blank line between them.
TEXT_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Prefill:
    # The value the field starts with (None: empty).
    value: JsonValue | None
    # The same as text people can edit; it parses back to `value`.
    text: str
    # "Conflict: A (Lena) / B (Bob) — the lead resolves", or "".
    conflict: str


def prefill(merged: ItemMerge, is_author: Callable[[Actor], bool]) -> Prefill:
    """In a conflict there is no merged value: the field shows this person's own side of it
    (so that leaving it records nothing), or nothing when they have no side."""
    item = merged.item
    conflict = ""
    if merged.status is ItemStatus.CONFLICT:
        sides = " / ".join(
            f"{display_value(item, a.value)} ({', '.join(p.name for p in a.authors)})"
            for a in merged.alternatives
        )
        conflict = f"Conflict: {sides} \u2014 the lead resolves."
        own = [c for c in merged.contributions if is_author(c.author)]
        value = own[-1].value if own else None
    else:
        value = merged.value
    return Prefill(value, _as_text(merged, value), conflict)


def _as_text(merged: ItemMerge, value: JsonValue | None) -> str:
    """The value as it was typed, where one contribution holds it; else its parts' raws."""
    if value is None:
        return ""
    item = merged.item
    if item.kind is AnswerKind.TEXT and isinstance(value, list):
        return TEXT_SEPARATOR.join(str(text) for text in value)
    holding = [c for c in merged.contributions if value_key(c.value) == value_key(value)]
    if holding:
        return holding[-1].raw
    # An accumulating item's union: each contribution's own words, one per line.
    separator = "; " if item.kind is AnswerKind.DATETIME else "\n"
    return separator.join(dict.fromkeys(c.raw for c in merged.contributions))


def element_keys(merged: ItemMerge, value: JsonValue | None) -> frozenset[str]:
    """The distinct elements of a value, comparable whatever their order."""
    if value is None:
        return frozenset()
    return frozenset(value_key(e) for e in split_value(merged.item, value))
