"""The chat preview of an assembled report: what the e-mail would say, in pages a chat
message can hold.

The preview is read from the one assembled report (`documents.assembly`), never assembled
again: per section its heading, per answered item its number, its question, the merged
value(s) and who gave them, conflicts marked, and the essentials still unanswered with their
questions. Adapters lay a page out for their platform (Slack Block Kit, a Teams Adaptive
Card); how much goes on one page is theirs to say too, by a `fits` test on a rendered page,
so that a page always stays within the platform's real limits.

Pages are numbered from 1 and worked out again from the current report on every request: a
page button carries only the report id and a page number, and a page asked for after the
report grew shows the report as it is now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from conversations import actions
from conversations.effects import Button
from conversations.merge import ItemStatus
from conversations.preview import page_button_value
from conversations.richtext import RichText, Span, emphasis, plain, strong, user_text
from documents.assembly import AssembledItem, AssembledReport
from documents.rendering.common import UNANSWERED_TITLES, status_phrase, tlp_line

# A value longer than this is cut in the preview (at a word where possible); the e-mail and
# the exports carry all of it. It keeps one item well inside one Slack text (3,000) and lets
# a page hold several items.
VALUE_MAX = 700
# A question is shown whole up to this length, else cut at a word ("… ?" is not added).
QUESTION_MAX = 90

ItemState = Literal["answered", "conflict", "skipped"]


@dataclass(frozen=True)
class PreviewValue:
    """One value as the report shows it and who gave it; `omitted` characters were cut."""

    text: str
    authors: tuple[str, ...]
    omitted: int = 0


@dataclass(frozen=True)
class PreviewItem:
    number: str
    question: str
    state: ItemState
    # Answered: the merged value with every author of it. Conflict: one per distinct value.
    # Skipped: none.
    values: tuple[PreviewValue, ...]
    essential: bool = False
    # Who settled a conflict on it, when someone did.
    settled_by: str | None = None


@dataclass(frozen=True)
class PreviewGap:
    """An unanswered item, as JCDC would read it: its number and its question."""

    number: str
    question: str


@dataclass(frozen=True)
class PreviewSection:
    number: int
    title: str
    answered: int
    total: int
    assignee: str | None
    items: tuple[PreviewItem, ...]
    # True when the section began on an earlier page.
    continued: bool = False

    @property
    def heading(self) -> str:
        if self.continued:
            return f"{self.number}. {self.title} (continued)"
        return f"{self.number}. {self.title} ({self.answered}/{self.total})"


@dataclass(frozen=True)
class PreviewGaps:
    """Unanswered items of one section: essentials, or the others."""

    essential: bool
    section: str
    items: tuple[PreviewGap, ...]

    @property
    def title(self) -> str:
        return UNANSWERED_TITLES[self.essential]

    @property
    def numbers(self) -> str:
        """ "1.2, 1.4": how the other open items are listed, one line per section (a preview
        names the essentials' questions; the e-mail names every question)."""
        return ", ".join(gap.number for gap in self.items)


@dataclass(frozen=True)
class PreviewPage:
    report_id: str
    title: str
    # The label on its own ("TLP:AMBER") and the line the report opens with.
    tlp: str
    tlp_line: str
    status: str
    # "16 of 67 items answered (24%) · essentials 5 of 15 · 1 open conflict"
    summary: str
    page: int
    pages: int
    # In this order on the page: the essentials still missing (what to do before sending),
    # the answered items by section, then the other unanswered items.
    missing_essentials: tuple[PreviewGaps, ...]
    sections: tuple[PreviewSection, ...]
    missing_others: tuple[PreviewGaps, ...]

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def position(self) -> str:
        return f"Page {self.page} of {self.pages}"


# What a platform says about a rendered page: does it fit in one message?
Fits = Callable[[PreviewPage], bool]


def short_question(question: str) -> str:
    if len(question) <= QUESTION_MAX:
        return question
    cut = question.rfind(" ", 0, QUESTION_MAX - 1)
    return question[: cut if cut > 0 else QUESTION_MAX - 1] + "…"


def cut_value(text: str) -> tuple[str, int]:
    """The text as the preview shows it, and how many characters it leaves out."""
    if len(text) <= VALUE_MAX:
        return text, 0
    cut = max(text.rfind(" ", 0, VALUE_MAX), text.rfind("\n", 0, VALUE_MAX))
    cut = cut if cut > VALUE_MAX // 2 else VALUE_MAX
    return text[:cut].rstrip() + " …", len(text) - cut


def _value(text: str, authors: Iterable[str]) -> PreviewValue:
    shown, omitted = cut_value(text)
    return PreviewValue(text=shown, authors=tuple(dict.fromkeys(authors)), omitted=omitted)


def preview_item(item: AssembledItem) -> PreviewItem:
    question = short_question(item.question)
    if item.status is ItemStatus.SKIPPED:
        return PreviewItem(item.number, question, "skipped", (), item.essential)
    if item.status is ItemStatus.CONFLICT:
        values = tuple(_value(a.display, (p.name for p in a.authors)) for a in item.alternatives)
        return PreviewItem(item.number, question, "conflict", values, item.essential)
    # Answered: the merged value, with everyone who gave it (for a settled item, those who
    # gave the value the lead kept).
    kept = [a for a in item.alternatives if a.value == item.value]
    authors = (
        (p.name for a in kept for p in a.authors) if kept else (e.author.name for e in item.entries)
    )
    settled = item.resolution.by.name if item.resolution is not None else None
    return PreviewItem(
        item.number,
        question,
        "answered",
        (_value(item.display or "", authors),),
        item.essential,
        settled,
    )


def summary(report: AssembledReport) -> str:
    c = report.completeness
    items = [item for section in report.sections for item in section.items]
    essentials = [i for i in items if i.essential]
    parts = [f"{c.answered} of {c.total} items answered ({c.percent}%)"]
    if essentials:
        done = sum(1 for i in essentials if i.status is not ItemStatus.MISSING)
        parts.append(f"essentials {done} of {len(essentials)}")
    conflicts = len(c.open_conflicts)
    if conflicts:
        parts.append(f"{conflicts} open conflict{'s' if conflicts != 1 else ''}")
    return " · ".join(parts)


# The preview's flow, one unit at a time; a page is a run of consecutive units.
@dataclass(frozen=True)
class _Gap:
    essential: bool
    section: str
    gap: PreviewGap


@dataclass(frozen=True)
class _Answer:
    section_number: int
    item: PreviewItem


def _flow(report: AssembledReport) -> list[_Gap | _Answer]:
    def gaps(essential: bool) -> list[_Gap | _Answer]:
        return [
            _Gap(
                essential,
                f"{s.number}. {s.title}",
                PreviewGap(i.number, short_question(i.question)),
            )
            for s in report.sections
            for i in s.items
            if i.status is ItemStatus.MISSING and i.essential is essential
        ]

    answers: list[_Gap | _Answer] = [
        _Answer(s.number, preview_item(i))
        for s in report.sections
        for i in s.items
        if i.status is not ItemStatus.MISSING
    ]
    return [*gaps(True), *answers, *gaps(False)]


def _page(
    report: AssembledReport, units: list[_Gap | _Answer], started: set[int], page: int, pages: int
) -> PreviewPage:
    """A page of `units`; `started` holds the sections begun on earlier pages."""
    by_number = {s.number: s for s in report.sections}
    sections: list[PreviewSection] = []
    essentials: list[PreviewGaps] = []
    others: list[PreviewGaps] = []
    for unit in units:
        if isinstance(unit, _Answer):
            if sections and sections[-1].number == unit.section_number:
                last = sections[-1]
                sections[-1] = PreviewSection(
                    last.number,
                    last.title,
                    last.answered,
                    last.total,
                    last.assignee,
                    (*last.items, unit.item),
                    last.continued,
                )
                continue
            s = by_number[unit.section_number]
            sections.append(
                PreviewSection(
                    s.number,
                    s.title,
                    s.answered,
                    s.total,
                    s.assignee.name if s.assignee is not None else None,
                    (unit.item,),
                    continued=s.number in started,
                )
            )
            continue
        groups = essentials if unit.essential else others
        if groups and groups[-1].section == unit.section:
            groups[-1] = PreviewGaps(unit.essential, unit.section, (*groups[-1].items, unit.gap))
        else:
            groups.append(PreviewGaps(unit.essential, unit.section, (unit.gap,)))
    return PreviewPage(
        report_id=report.report_id,
        title=report.title,
        tlp=report.tlp,
        tlp_line=tlp_line(report),
        status=status_phrase(report.status),
        summary=summary(report),
        page=page,
        pages=pages,
        missing_essentials=tuple(essentials),
        sections=tuple(sections),
        missing_others=tuple(others),
    )


def preview_pages(report: AssembledReport, fits: Fits) -> tuple[PreviewPage, ...]:
    """The whole preview in pages that each pass `fits` (a unit too big for any page, which
    the value cut keeps from happening, still gets a page of its own)."""
    flow = _flow(report)
    # Each page is measured as a middle page (both page buttons shown) of a long preview.
    pages: list[list[_Gap | _Answer]] = []
    starts: list[set[int]] = []
    started: set[int] = set()
    current: list[_Gap | _Answer] = []
    current_started: set[int] = set()
    for unit in flow:
        trial = [*current, unit]
        if current and not fits(_page(report, trial, current_started, 2, 3)):
            pages.append(current)
            starts.append(current_started)
            started |= {u.section_number for u in current if isinstance(u, _Answer)}
            current_started = set(started)
            trial = [unit]
        current = trial
    pages.append(current)
    starts.append(current_started)
    total = len(pages)
    return tuple(
        _page(report, units, begun, number, total)
        for number, (units, begun) in enumerate(zip(pages, starts, strict=True), start=1)
    )


def preview_page(report: AssembledReport, page: int, fits: Fits) -> PreviewPage:
    """Page `page` of the preview as the report is now (the last page when it has fewer)."""
    pages = preview_pages(report, fits)
    return pages[min(max(page, 1), len(pages)) - 1]


def page_buttons(page: PreviewPage) -> tuple[Button, ...]:
    """Previous / Next, each carrying the report id and its page (nothing else)."""
    buttons = []
    if page.previous_page is not None:
        buttons.append(
            Button(
                action=actions.PREVIEW_PAGE,
                label=f"← Page {page.previous_page}",
                value=page_button_value(page.report_id, page.previous_page),
            )
        )
    if page.next_page is not None:
        buttons.append(
            Button(
                action=actions.PREVIEW_PAGE,
                label=f"Page {page.next_page} →",
                value=page_button_value(page.report_id, page.next_page),
                style="primary",
            )
        )
    return tuple(buttons)


def fits_anything(page: PreviewPage) -> bool:
    """For surfaces without a size limit (the browser playground, transcripts): one page."""
    return True


def page_text(page: PreviewPage) -> RichText:
    """The page as platform-neutral rich text, for chats that show messages as text (the
    memory chat's transcript, the browser playground)."""
    spans: list[Span] = [
        strong(page.tlp_line),
        plain("\n"),
        strong("Preview: "),
        user_text(page.title),
        plain(f"\n{page.status} · {page.summary}"),
    ]
    if page.pages > 1:
        spans.append(plain(f" · {page.position}"))

    spans += _gaps_text(page.missing_essentials)
    for section in page.sections:
        spans.append(strong(f"\n\n{section.heading}"))
        if section.assignee is not None and not section.continued:
            spans += [emphasis("\nAssigned to "), user_text(section.assignee)]
        for item in section.items:
            spans += item_text(item)
    spans += _gaps_text(page.missing_others)
    return tuple(spans)


def _gaps_text(groups: tuple[PreviewGaps, ...]) -> list[Span]:
    spans: list[Span] = [strong(f"\n\n{groups[0].title}")] if groups else []
    for group in groups:
        if not group.essential:
            spans += [strong(f"\n{group.section}: "), plain(group.numbers)]
            continue
        spans.append(strong(f"\n{group.section}"))
        spans += [plain(f"\n{gap.number} {gap.question}") for gap in group.items]
    return spans


def item_text(item: PreviewItem) -> list[Span]:
    spans: list[Span] = [strong(f"\n{item.number} {item.question}")]
    if item.state == "skipped":
        return [*spans, emphasis("\nSkipped by the team.")]
    if item.state == "conflict":
        spans.append(strong("\nConflicting answers (the lead settles them):"))
        for n, value in enumerate(item.values, start=1):
            spans += [plain(f"\n{n}) "), user_text(value.text), *_authors(value)]
        return spans
    for value in item.values:
        spans += [plain("\n"), user_text(value.text), *_authors(value)]
    if item.settled_by is not None:
        spans += [emphasis(" · settled by "), user_text(item.settled_by)]
    return spans


def _authors(value: PreviewValue) -> list[Span]:
    spans: list[Span] = []
    if value.omitted:
        spans.append(emphasis(f" ({value.omitted} more characters in the e-mail)"))
    if value.authors:
        spans += [plain(" — "), user_text(", ".join(value.authors))]
    return spans
