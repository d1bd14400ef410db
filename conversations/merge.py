"""Merging many responders' contributions into one answer per item.

This is the rule both the engine (progress, conflicts, the next question) and the report's
assembly (`documents.assembly`) rely on, so it lives here once, with how a merged answer
reads: accumulating items keep every value with its contributors; single-valued items agree,
are resolved by the lead, or are in conflict. Nothing is ever silently overwritten.
"""

from __future__ import annotations

import json
import operator
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

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
    # Single-valued items only (empty for accumulating ones): each distinct value and who
    # gave it.
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

    @cached_property
    def answered(self) -> int:
        return sum(
            1
            for i in self.items
            if i.status is not ItemStatus.MISSING and i.status is not ItemStatus.SKIPPED
        )

    @cached_property
    def skipped(self) -> int:
        return sum(1 for i in self.items if i.status is ItemStatus.SKIPPED)

    @cached_property
    def total(self) -> int:
        return len(self.items)


# Merges never change: what is derived from one (the counts a root card shows, an item by
# its id) is computed once, on first use, and kept with it (a turn asks several times).
@dataclass(frozen=True)
class ReportMerge:
    sections: tuple[SectionMerge, ...]
    tlp: str
    # Every contribution (retracted ones too) by item and author id, oldest first: what a
    # person gave an item is found without looking at everybody else's (an indicator list
    # holds thousands). Derived from the contributions, so not part of the merge's value.
    by_author: Mapping[tuple[str, str], tuple[Contribution, ...]] = field(compare=False, repr=False)

    def item(self, item_id: str) -> ItemMerge:
        return self._by_id[item_id]

    def contributions_by(self, item_id: str, author_id: str) -> tuple[Contribution, ...]:
        """Everything the person with `author_id` gave `item_id`, retracted included."""
        return self.by_author.get((item_id, author_id), ())

    @cached_property
    def _by_id(self) -> dict[str, ItemMerge]:
        found: dict[str, ItemMerge] = {}
        for merged in self.items():
            found.setdefault(merged.item.id, merged)
        return found

    def items(self) -> Iterable[ItemMerge]:
        for section in self.sections:
            yield from section.items

    @cached_property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @cached_property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @cached_property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @cached_property
    def open_conflicts(self) -> tuple[ItemMerge, ...]:
        return tuple(i for i in self.items() if i.status is ItemStatus.CONFLICT)

    @cached_property
    def missing(self) -> tuple[ItemMerge, ...]:
        return tuple(i for i in self.items() if i.status is ItemStatus.MISSING)

    @cached_property
    def essentials(self) -> tuple[ItemMerge, ...]:
        return tuple(i for i in self.items() if i.item.essential)

    @cached_property
    def missing_essentials(self) -> tuple[ItemMerge, ...]:
        """Essential items nobody has answered (skipped ones included: still missing)."""
        return tuple(
            i for i in self.essentials if i.status in (ItemStatus.MISSING, ItemStatus.SKIPPED)
        )

    @cached_property
    def views(self) -> list[tuple[tuple[object, ...], object]]:
        """Views of this merge together with a few fields of a state (the root card, see
        conversations.messages.root_card), each with the fields it was made from: kept with
        the merge, so that they last as long as it does and no longer."""
        return []

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


def same_value(a: JsonValue, b: JsonValue) -> bool:
    """Whether two values are the same answer, as their `value_key`s would say.

    Plain equality goes first: it is cheap and false for nearly every pair, where encoding
    both costs a `json.dumps` each. It cannot miss a match (equal keys mean equal JSON, and
    answers hold no NaN: numbers are parsed from digits); the keys then keep apart what
    Python alone takes as equal (True and 1, 1 and 1.0).
    """
    return a == b and value_key(a) == value_key(b)


# Recent merge_item results by the identity of their inputs. Reports, contributions and
# resolutions are immutable, and a turn (and the next, served from the storage's state cache)
# hands over the very same objects for every item it did not touch: those items are not merged
# again. Each entry holds its inputs, and a hit is checked object by object, so an id reused
# after its object died can never match. This is memoisation of a pure function: results are
# exactly what a fresh merge would give.
#
# The budget is in contributions held, not entries: one entry of a 5,000-indicator item holds
# as much as a thousand small ones.
MEMO_BUDGET = 50_000


@dataclass
class _Entry:
    item: Item
    resolution: Resolution | None
    skipped: bool
    contributions: tuple[Contribution, ...]
    merged: ItemMerge
    # Accumulating items, on the newest entry of their report only: the union so far by value
    # key, so that the next contribution adds its own elements instead of re-keying them all.
    union: dict[str, JsonValue] | None = None


_memo: OrderedDict[tuple[int, ...], _Entry] = OrderedDict()
# Accumulating items: (item, first contribution) → the key of the entry holding the union.
_newest: dict[tuple[int, int], tuple[int, ...]] = {}
_held = 0


def _key(
    item: Item, resolution: Resolution | None, skipped: bool, contributions: Sequence[Contribution]
) -> tuple[int, ...]:
    # Small whatever the item's size: the count and the two ends; the entry confirms the rest.
    first = id(contributions[0]) if contributions else 0
    last = id(contributions[-1]) if contributions else 0
    return (id(item), id(resolution), int(skipped), len(contributions), first, last)


def _same(held: Sequence[Contribution], given: Sequence[Contribution]) -> bool:
    return len(held) == len(given) and all(map(operator.is_, held, given))


def _extends(held: Sequence[Contribution], given: Sequence[Contribution]) -> bool:
    return len(held) <= len(given) and all(map(operator.is_, held, given))


def merge_item(
    item: Item,
    contributions: Sequence[Contribution],
    resolution: Resolution | None,
    skipped: bool,
) -> ItemMerge:
    contributions = tuple(contributions)
    key = _key(item, resolution, skipped, contributions)
    known = _memo.get(key)
    if known is not None and known.item is item and _same(known.contributions, contributions):
        _memo.move_to_end(key)
        return known.merged
    entry = _incremental(item, contributions, resolution, skipped) or _fresh(
        item, contributions, resolution, skipped
    )
    _remember(key, entry)
    return entry.merged


def _fresh(
    item: Item,
    contributions: tuple[Contribution, ...],
    resolution: Resolution | None,
    skipped: bool,
) -> _Entry:
    if not item.accumulates:
        merged = _merge_item(item, contributions, resolution, skipped)
        return _Entry(item, resolution, skipped, contributions, merged)
    active = tuple(c for c in contributions if c.active)
    union: dict[str, JsonValue] = {}
    _add_elements(item, active, union)
    merged = _accumulated(item, active, union, resolution, skipped)
    return _Entry(item, resolution, skipped, contributions, merged, union)


def _incremental(
    item: Item,
    contributions: tuple[Contribution, ...],
    resolution: Resolution | None,
    skipped: bool,
) -> _Entry | None:
    """An accumulating item whose contributions only grew since its last merge: the union
    taken over from that merge, plus the new contributions' elements."""
    if not item.accumulates or not contributions:
        return None
    base_key = _newest.get((id(item), id(contributions[0])))
    base = _memo.get(base_key) if base_key is not None else None
    if (
        base is None
        or base.union is None
        or base.item is not item
        or base.resolution is not resolution
        or base.skipped != skipped
        or not _extends(base.contributions, contributions)
    ):
        return None
    added = tuple(c for c in contributions[len(base.contributions) :] if c.active)
    union, base.union = base.union, None  # moved, not copied: only the newest entry grows
    _add_elements(item, added, union)
    active = base.merged.contributions + added
    merged = _accumulated(item, active, union, resolution, skipped)
    return _Entry(item, resolution, skipped, contributions, merged, union)


def _add_elements(
    item: Item, contributions: Iterable[Contribution], union: dict[str, JsonValue]
) -> None:
    for contribution in contributions:
        for element in split_value(item, contribution.value):
            union.setdefault(value_key(element), element)


def _accumulated(
    item: Item,
    active: tuple[Contribution, ...],
    union: dict[str, JsonValue],
    resolution: Resolution | None,
    skipped: bool,
) -> ItemMerge:
    if not active:
        status = ItemStatus.SKIPPED if skipped else ItemStatus.MISSING
        return ItemMerge(item, status, active, None, (), resolution)
    # No alternatives: an accumulating item is the union of its values, never in conflict.
    return ItemMerge(item, ItemStatus.ANSWERED, active, list(union.values()), (), resolution)


def _remember(key: tuple[int, ...], entry: _Entry) -> None:
    global _held
    replaced = _memo.pop(key, None)
    if replaced is not None:
        _held -= len(replaced.contributions)
    _memo[key] = entry
    _held += len(entry.contributions)
    if entry.union is not None and entry.contributions:
        _newest[(id(entry.item), id(entry.contributions[0]))] = key
    while _held > MEMO_BUDGET and len(_memo) > 1:
        old_key, old = _memo.popitem(last=False)
        _held -= len(old.contributions)
        if old.contributions:
            newest = (id(old.item), id(old.contributions[0]))
            if _newest.get(newest) == old_key:
                del _newest[newest]


def memo_held() -> int:
    """Contributions the item memo holds (benchmarks and tests watch it stay in budget)."""
    return _held


def reports_held() -> int:
    """Contributions the kept report merges hold."""
    return _reports_held


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
    if len(alternatives) == 1:
        return ItemMerge(
            item, ItemStatus.ANSWERED, active, alternatives[0].value, alternatives, resolution
        )
    if resolution is not None and _resolution_holds(resolution, active):
        return ItemMerge(
            item, ItemStatus.ANSWERED, active, resolution.value, alternatives, resolution
        )
    return ItemMerge(item, ItemStatus.CONFLICT, active, None, alternatives, resolution)


# The newest merge of each recent report: a turn asks for it several times (its own progress,
# the root card, the guide) on the very same state. Budgeted like the item memo.
# Each keeps its contributions grouped by item and by item and author, so that the report's
# next state, which mostly only appends, groups the appended ones alone.
@dataclass(frozen=True)
class _Groups:
    by_item: dict[str, tuple[Contribution, ...]]
    by_author: dict[tuple[str, str], tuple[Contribution, ...]]


_NO_GROUPS = _Groups({}, {})
_reports: OrderedDict[str, tuple[ReportState, Checklist, str, ReportMerge, _Groups]] = OrderedDict()
_reports_held = 0


def merge_report(state: ReportState, checklist: Checklist, default_tlp: str) -> ReportMerge:
    global _reports_held
    known = _reports.get(state.id)
    if known is not None and (known[1] is not checklist or known[2] != default_tlp):
        known = None
    if known is not None and _same_inputs(known[0], state):
        # The very inputs merged last: also the saved copy of that state (a new version, the
        # same contributions), which the next turn starts from.
        _reports.move_to_end(state.id)
        return known[3]
    groups = _grouped(state.contributions, known[0].contributions, known[4]) if known else None
    if groups is None:
        groups = _grouped(state.contributions, (), _NO_GROUPS)
        assert groups is not None
    previous = None
    if (
        known is not None
        and known[0].resolutions is state.resolutions
        and known[0].skipped is state.skipped
    ):
        previous = (known[3], known[4].by_item)
    merged = _merge_report(state, checklist, default_tlp, groups, previous)
    if known is not None:
        _reports_held -= len(known[0].contributions)
        del _reports[state.id]
    _reports[state.id] = (state, checklist, default_tlp, merged, groups)
    _reports_held += len(state.contributions)
    while _reports_held > MEMO_BUDGET and len(_reports) > 1:
        _, (old, *_rest) = _reports.popitem(last=False)
        _reports_held -= len(old.contributions)
    return merged


def _grouped(
    contributions: tuple[Contribution, ...],
    before: tuple[Contribution, ...],
    before_groups: _Groups,
) -> _Groups | None:
    """`contributions` grouped, taken over from `before`'s grouping when they only append to
    it (None otherwise). The groups are tuples, never changed: `before`'s stay right."""
    if not _extends(before, contributions):
        return None
    added: dict[str, list[Contribution]] = {}
    added_by: dict[tuple[str, str], list[Contribution]] = {}
    for contribution in contributions[len(before) :]:
        added.setdefault(contribution.item_id, []).append(contribution)
        added_by.setdefault((contribution.item_id, contribution.author.id), []).append(contribution)
    by_item = dict(before_groups.by_item)
    for item_id, more in added.items():
        by_item[item_id] = by_item.get(item_id, ()) + tuple(more)
    by_author = dict(before_groups.by_author)
    for key, more in added_by.items():
        by_author[key] = by_author.get(key, ()) + tuple(more)
    return _Groups(by_item, by_author)


def _same_inputs(merged: ReportState, state: ReportState) -> bool:
    """Whether `state` merges as `merged` did: a merge reads only these four fields."""
    return (
        merged.contributions is state.contributions
        and merged.resolutions is state.resolutions
        and merged.skipped is state.skipped
        and merged.assignments is state.assignments
    )


def _merge_report(
    state: ReportState,
    checklist: Checklist,
    default_tlp: str,
    groups: _Groups,
    previous: tuple[ReportMerge, Mapping[str, tuple[Contribution, ...]]] | None = None,
) -> ReportMerge:
    """`previous`: the merge of an earlier state of the report with the same resolutions and
    skips, and its grouping: an item whose contributions are the very same group merges as it
    did there, and is taken over without being looked at (a turn mostly touches one item)."""
    resolutions = {r.item_id: r for r in state.resolutions}
    assignments = {a.section_id: a for a in state.assignments}
    skipped = set(state.skipped)

    by_item = groups.by_item

    def merged_item(item: Item, index: tuple[int, int]) -> ItemMerge:
        group = by_item.get(item.id)
        if previous is not None and previous[1].get(item.id) is group:
            earlier = previous[0].sections[index[0]].items[index[1]]
            if earlier.item is item:
                return earlier
        return merge_item(item, group or (), resolutions.get(item.id), item.id in skipped)

    def merged_section(section: Section, s: int) -> SectionMerge:
        assignee = assignments.get(section.id)
        if previous is not None:
            # A section none of whose items changed is the earlier one, with its counts.
            earlier = previous[0].sections[s]
            if (
                earlier.section is section
                and earlier.assignee is assignee
                and all(previous[1].get(item.id) is by_item.get(item.id) for item in section.items)
            ):
                return earlier
        return SectionMerge(
            section,
            tuple(merged_item(item, (s, i)) for i, item in enumerate(section.items)),
            assignee,
        )

    sections = tuple(merged_section(section, s) for s, section in enumerate(checklist.sections))
    tlp = default_tlp
    for section in sections:
        for merged in section.items:
            if merged.item.kind is AnswerKind.TLP and isinstance(merged.value, str):
                tlp = merged.value
    return ReportMerge(sections, tlp, groups.by_author)


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
