"""Merging many responders' contributions into one answer per item.

This is the rule both the engine (progress, conflicts, the next question) and the report's
assembly (`documents.assembly`) rely on, so it lives here once, with how a merged answer
reads: accumulating items keep every value with its contributors; single-valued items agree,
are resolved by the lead, or are in conflict. Nothing is ever silently overwritten.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue

from conversations.answers import display_value, split_value
from conversations.checklist import AnswerKind, Checklist, Item, Section
from conversations.state import Actor, Assignment, Contribution, ReportState, Resolution


class ItemStatus(StrEnum):
    MISSING = "missing"
    ANSWERED = "answered"
    CONFLICT = "conflict"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Alternative:
    """One distinct value of an item and who gave it."""

    value: JsonValue
    contributions: tuple[Contribution, ...]

    @property
    def authors(self) -> tuple[Actor, ...]:
        return _unique_actors(c.author for c in self.contributions)


@dataclass(frozen=True)
class ItemMerge:
    item: Item
    status: ItemStatus
    # Active contributions, oldest first.
    contributions: tuple[Contribution, ...]
    # Accumulating items: the union of all values (a list). Single-valued: the agreed or
    # resolved value. None while missing, skipped or in conflict.
    value: JsonValue | None
    # Single-valued items only: each distinct value and who gave it.
    alternatives: tuple[Alternative, ...]
    resolution: Resolution | None

    @property
    def contributors(self) -> tuple[Actor, ...]:
        return _unique_actors(c.author for c in self.contributions)


@dataclass(frozen=True)
class SectionMerge:
    section: Section
    items: tuple[ItemMerge, ...]
    assignee: Assignment | None

    @property
    def answered(self) -> int:
        return sum(
            1
            for i in self.items
            if i.status is not ItemStatus.MISSING and i.status is not ItemStatus.SKIPPED
        )

    @property
    def skipped(self) -> int:
        return sum(1 for i in self.items if i.status is ItemStatus.SKIPPED)

    @property
    def total(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class ReportMerge:
    sections: tuple[SectionMerge, ...]
    tlp: str

    def item(self, item_id: str) -> ItemMerge:
        for section in self.sections:
            for merged in section.items:
                if merged.item.id == item_id:
                    return merged
        raise KeyError(item_id)

    def items(self) -> Iterable[ItemMerge]:
        for section in self.sections:
            yield from section.items

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def open_conflicts(self) -> tuple[ItemMerge, ...]:
        return tuple(i for i in self.items() if i.status is ItemStatus.CONFLICT)

    @property
    def missing(self) -> tuple[ItemMerge, ...]:
        return tuple(i for i in self.items() if i.status is ItemStatus.MISSING)

    def contributor_counts(self) -> list[tuple[Actor, int]]:
        """Everyone who contributed, with their number of active contributions, most first."""
        counts: Counter[Actor] = Counter()
        for merged in self.items():
            counts.update(c.author for c in merged.contributions)
        first_seen = {actor: n for n, actor in enumerate(counts)}
        return sorted(counts.items(), key=lambda pair: (-pair[1], first_seen[pair[0]]))


def merged_display(merged: ItemMerge) -> str | None:
    """The merged answer as people read it, or None while there is none: the one rule for
    what the thread is told (`back`, `resolve`) and what the report shows.

    It shows the merged value, nothing else: an accumulating item's union, each element once
    (free texts joined by semicolons), a single-valued item's agreed or settled value — never
    an answer the lead settled against.
    """
    if merged.value is None:
        return None
    item = merged.item
    if item.kind is AnswerKind.TEXT and isinstance(merged.value, list):
        # Free text from several people is not one value: each stands on its own.
        return "; ".join(display_value(item, text) for text in merged.value)
    return display_value(item, merged.value)


def value_key(value: JsonValue) -> str:
    """A canonical key so equal values compare equal whatever their dict order."""
    if isinstance(value, str):
        # Most values are plain strings; a prefix keeps them apart from JSON-encoded ones.
        return "s:" + value
    return "j:" + json.dumps(value, sort_keys=True, ensure_ascii=False)


# Recent merge_item results by the identity of their inputs. Reports, contributions and
# resolutions are immutable, and a turn (and the next, served from the storage's state cache)
# hands over the very same objects for every item it did not touch: those items are not merged
# again. Each entry holds its inputs, so an id cannot be reused while the entry lives. This is
# memoisation of a pure function: results are exactly what a fresh merge would give.
_MEMO_SIZE = 4096
_memo: OrderedDict[tuple[int, ...], tuple[object, ...]] = OrderedDict()


def merge_item(
    item: Item,
    contributions: Sequence[Contribution],
    resolution: Resolution | None,
    skipped: bool,
) -> ItemMerge:
    key = (id(item), id(resolution), int(skipped), *map(id, contributions))
    known = _memo.get(key)
    if known is not None:
        _memo.move_to_end(key)
        merged = known[-1]
        assert isinstance(merged, ItemMerge)
        return merged
    merged = _merge_item(item, contributions, resolution, skipped)
    _memo[key] = (item, resolution, tuple(contributions), merged)
    if len(_memo) > _MEMO_SIZE:
        _memo.popitem(last=False)
    return merged


def _merge_item(
    item: Item,
    contributions: Sequence[Contribution],
    resolution: Resolution | None,
    skipped: bool,
) -> ItemMerge:
    active = tuple(c for c in contributions if c.active)
    alternatives = _alternatives(active)
    if not active:
        status = ItemStatus.SKIPPED if skipped else ItemStatus.MISSING
        return ItemMerge(item, status, active, None, (), resolution)
    if item.accumulates:
        union: dict[str, JsonValue] = {}
        for contribution in active:
            for element in split_value(item, contribution.value):
                union.setdefault(value_key(element), element)
        return ItemMerge(
            item, ItemStatus.ANSWERED, active, list(union.values()), alternatives, resolution
        )
    if len(alternatives) == 1:
        return ItemMerge(
            item, ItemStatus.ANSWERED, active, alternatives[0].value, alternatives, resolution
        )
    if resolution is not None and _resolution_holds(resolution, active):
        return ItemMerge(
            item, ItemStatus.ANSWERED, active, resolution.value, alternatives, resolution
        )
    return ItemMerge(item, ItemStatus.CONFLICT, active, None, alternatives, resolution)


def merge_report(state: ReportState, checklist: Checklist, default_tlp: str) -> ReportMerge:
    by_item: dict[str, list[Contribution]] = {}
    for contribution in state.contributions:
        by_item.setdefault(contribution.item_id, []).append(contribution)
    resolutions = {r.item_id: r for r in state.resolutions}
    assignments = {a.section_id: a for a in state.assignments}
    skipped = set(state.skipped)
    sections = tuple(
        SectionMerge(
            section,
            tuple(
                merge_item(
                    item, by_item.get(item.id, ()), resolutions.get(item.id), item.id in skipped
                )
                for item in section.items
            ),
            assignments.get(section.id),
        )
        for section in checklist.sections
    )
    tlp = default_tlp
    for section in sections:
        for merged in section.items:
            if merged.item.kind is AnswerKind.TLP and isinstance(merged.value, str):
                tlp = merged.value
    return ReportMerge(sections, tlp)


def _alternatives(active: Sequence[Contribution]) -> tuple[Alternative, ...]:
    groups: dict[str, list[Contribution]] = {}
    values: dict[str, JsonValue] = {}
    for contribution in active:
        key = value_key(contribution.value)
        groups.setdefault(key, []).append(contribution)
        values.setdefault(key, contribution.value)
    return tuple(Alternative(values[key], tuple(group)) for key, group in groups.items())


def _resolution_holds(resolution: Resolution, active: Sequence[Contribution]) -> bool:
    """A resolution settles the conflict it saw; a different value arriving later reopens it."""
    chosen = value_key(resolution.value)
    for contribution in active:
        changed_at = contribution.edited_at or contribution.at
        if changed_at > resolution.at and value_key(contribution.value) != chosen:
            return False
    return True


def _unique_actors(actors: Iterable[Actor]) -> tuple[Actor, ...]:
    return tuple(dict.fromkeys(actors))
