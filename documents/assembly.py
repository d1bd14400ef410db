"""Assembling all contributions into one typed report: answers, contributors, conflicts.

The merge rule and how a merged answer reads live in `conversations.merge` (the engine needs
them too); this module turns their result into the document that is previewed, exported and
sent.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import JsonValue

from conversations.answers import display_value, tlp_meaning
from conversations.checklist import AnswerKind, Checklist
from conversations.frozen import FrozenModel
from conversations.merge import ItemMerge, ItemStatus, merge_report, merged_display
from conversations.policy import Policy
from conversations.state import Actor, ReportState, Via

REPORT_SCHEMA_VERSION = "1"


class Entry(FrozenModel):
    """One responder's contribution to an item."""

    value: JsonValue
    display: str
    raw: str
    author: Actor
    at: datetime
    via: Via
    edited_at: datetime | None = None
    # The contributor's own words beside what was parsed (a role, a remark): sent with it.
    note: str | None = None
    # Who put the author's channel message into the report ("Add to JCDC report"); None when
    # the author gave the answer themselves.
    added_by: Actor | None = None


class AlternativeView(FrozenModel):
    """One distinct value of a single-valued item, as the report shows it."""

    value: JsonValue
    display: str
    authors: tuple[Actor, ...]


class ResolutionView(FrozenModel):
    display: str
    by: Actor
    at: datetime


class AssembledItem(FrozenModel):
    id: str
    number: str
    question: str
    kind: AnswerKind
    # One of the items JCDC needs first: unanswered essentials lead the list of gaps.
    essential: bool = False
    status: ItemStatus
    # The merged answer: for accumulating items the union of every value.
    value: JsonValue | None
    display: str | None
    entries: tuple[Entry, ...]
    # Distinct values of a single-valued item (more than one means a conflict).
    alternatives: tuple[AlternativeView, ...]
    resolution: ResolutionView | None


class AssembledSection(FrozenModel):
    id: str
    number: int
    title: str
    answered: int
    skipped: int
    total: int
    assignee: Actor | None
    items: tuple[AssembledItem, ...]


class Completeness(FrozenModel):
    answered: int
    skipped: int
    total: int
    percent: int
    open_conflicts: tuple[str, ...]
    missing: tuple[str, ...]


class Highlight(FrozenModel):
    """A key fact shown at the top of every rendering (who reports, what kind of event)."""

    label: str
    item_number: str
    display: str | None


# Items whose answers every reader wants first, when the checklist has them.
HIGHLIGHTS = (
    ("handling.organisation", "Reporting organisation"),
    ("handling.contact", "Point of contact"),
    ("handling.attribution", "Attribution"),
    ("description.event_type", "Type of event"),
    ("description.confidence", "Confidence"),
)


class ContributorCount(FrozenModel):
    actor: Actor
    contributions: int


class AssembledReport(FrozenModel):
    schema_version: str = REPORT_SCHEMA_VERSION
    report_id: str
    title: str
    tlp: str
    tlp_meaning: str
    status: str
    lead: Actor
    recipient: str
    created_at: datetime
    # The time of the last change: renderings depend on the state only, never on the clock.
    as_of: datetime
    version: int
    checklist_version: str
    completeness: Completeness
    highlights: tuple[Highlight, ...]
    contributors: tuple[ContributorCount, ...]
    sections: tuple[AssembledSection, ...]

    def item(self, item_id: str) -> AssembledItem | None:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return item
        return None


def assemble(
    state: ReportState, checklist: Checklist, policy: Policy | None = None
) -> AssembledReport:
    policy = policy or Policy()
    merge = merge_report(state, checklist, policy.default_tlp)
    sections = tuple(
        AssembledSection(
            id=s.section.id,
            number=s.section.number,
            title=s.section.title,
            answered=s.answered,
            skipped=s.skipped,
            total=s.total,
            assignee=s.assignee.assignee if s.assignee else None,
            items=tuple(_assemble_item(m) for m in s.items),
        )
        for s in merge.sections
    )
    percent = round(100 * merge.answered / merge.total) if merge.total else 0
    return AssembledReport(
        report_id=state.id,
        title=state.title,
        tlp=merge.tlp,
        tlp_meaning=tlp_meaning(merge.tlp),
        status=state.status.value,
        lead=state.lead,
        recipient=policy.recipient,
        created_at=state.created_at,
        as_of=state.updated_at,
        version=state.version,
        checklist_version=state.checklist_version,
        completeness=Completeness(
            answered=merge.answered,
            skipped=merge.skipped,
            total=merge.total,
            percent=percent,
            open_conflicts=tuple(c.item.number for c in merge.open_conflicts),
            missing=tuple(m.item.number for m in merge.missing),
        ),
        highlights=_highlights(sections),
        contributors=tuple(
            ContributorCount(actor=actor, contributions=count)
            for actor, count in merge.contributor_counts()
        ),
        sections=sections,
    )


def _assemble_item(merged: ItemMerge) -> AssembledItem:
    item = merged.item
    resolution = None
    if (
        merged.resolution is not None
        and merged.status is ItemStatus.ANSWERED
        and len(merged.alternatives) > 1
    ):
        resolution = ResolutionView(
            display=_styled(item.kind, display_value(item, merged.resolution.value)),
            by=merged.resolution.by,
            at=merged.resolution.at,
        )
    shown = merged_display(merged)
    return AssembledItem(
        id=item.id,
        number=item.number,
        question=item.question,
        kind=item.kind,
        essential=item.essential,
        status=merged.status,
        value=merged.value,
        display=None if shown is None else _styled(item.kind, shown),
        entries=tuple(
            Entry(
                value=c.value,
                display=_styled(item.kind, display_value(item, c.value)),
                raw=c.raw,
                author=c.author,
                at=c.at,
                via=c.via,
                edited_at=c.edited_at,
                note=c.note,
                added_by=c.added_by,
            )
            for c in merged.contributions
        ),
        alternatives=tuple(
            AlternativeView(
                value=a.value,
                display=_styled(item.kind, display_value(item, a.value)),
                authors=a.authors,
            )
            for a in merged.alternatives
        )
        if not item.accumulates
        else (),
        resolution=resolution,
    )


# Scale levels are stored as lower-case words ("confirmed"); choices carry labels written as
# people read them ("Attempted attack"). A document shows both the same way: capitalised.
_SCALES = (AnswerKind.SEVERITY, AnswerKind.CONFIDENCE)


def _styled(kind: AnswerKind, display: str) -> str:
    if kind not in _SCALES:
        return display
    return display[:1].upper() + display[1:]


def _highlights(sections: tuple[AssembledSection, ...]) -> tuple[Highlight, ...]:
    items = {item.id: item for section in sections for item in section.items}
    return tuple(
        Highlight(label=label, item_number=items[item_id].number, display=items[item_id].display)
        for item_id, label in HIGHLIGHTS
        if item_id in items
    )
