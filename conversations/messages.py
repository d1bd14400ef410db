"""What the bot says: questions, acknowledgements, status, help and the root card.

Everything a person typed goes into a `user_text` span so adapters escape it.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC

from conversations import actions
from conversations.answers import answer_choices, answer_hint, display_value
from conversations.checklist import AnswerKind, Checklist, Item, Section
from conversations.effects import (
    Button,
    Choice,
    FormField,
    RootCard,
    RootQuestion,
    SectionForm,
    SectionProgress,
)
from conversations.form_prefill import Prefill, prefill
from conversations.key_elements import KEY_ELEMENTS, missing_key_elements
from conversations.merge import ItemMerge, ItemStatus, ReportMerge
from conversations.policy import Policy
from conversations.replies import SIDE_REMARK_PREFIX
from conversations.richtext import (
    RichText,
    Span,
    code,
    command_ref,
    emphasis,
    mention,
    rich,
    strong,
    user_text,
)
from conversations.state import Actor, ReportState, ReportStatus, SentEmail

# What `back` says of an item nobody has answered.
NO_ANSWER_YET = "no answer yet"

STATUS_WORDS = {
    ReportStatus.OPEN: "open",
    ReportStatus.SUBMIT_REQUESTED: "queued for JCDC",
    ReportStatus.SENT: "sent to JCDC",
    ReportStatus.CANCELLED: "cancelled",
}


def form_button(section: Section, report_id: str) -> Button:
    return Button(
        action=actions.OPEN_FORM,
        label=f"Answer section {section.number} in a form",
        value=f"{report_id}:{section.id}",
    )


def root_buttons(report_id: str) -> tuple[Button, ...]:
    return (
        Button(action=actions.STATUS, label="Status", value=report_id),
        Button(action=actions.PREVIEW, label="Preview", value=report_id),
        Button(action=actions.SEND, label="Send to JCDC", value=report_id, style="primary"),
    )


class _Same:
    """Equal only to another `_Same` of the very same object: a view's input compared by
    identity (a report's contributions, thousands of them, are one tuple that a turn
    replaces when it changes). Not kept alive by it when it can be weakly referenced (a
    checklist: a memo must not hold every checklist a test process ever loaded)."""

    __slots__ = ("_strong", "_weak")

    def __init__(self, held: object) -> None:
        self._weak: weakref.ref[object] | None
        self._strong: object
        try:
            self._weak, self._strong = weakref.ref(held), None
        except TypeError:  # a tuple
            self._weak, self._strong = None, held

    def _held(self) -> object:
        return self._weak() if self._weak is not None else self._strong

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Same):
            return False
        mine = self._held()
        return mine is not None and mine is other._held()

    def __hash__(self) -> int:
        return id(self._held())


# Root cards kept with one merge: a merge is usually shown by one or two states (a turn's
# state before and after a cursor move), so a few are plenty.
_CARDS_PER_MERGE = 4


def root_card(state: ReportState, merge: ReportMerge, checklist: Checklist) -> RootCard:
    """The root message's card. Kept with the merge for the state fields it shows: every
    turn compares the card before it with the card after it, and the card before is the one
    the previous turn made after it."""
    sent = state.delivery.last_sent
    inputs = (
        "root_card",
        _Same(checklist),
        state.id,
        state.number,
        state.title,
        state.lead,
        state.status,
        state.assignments,
        sent,
        state.asking_on_root,
        state.guiding,
        state.cursor,
        # Only read to count the answers since the last send.
        _Same(state.contributions) if sent is not None else None,
    )
    views = merge.views
    for known, view in views:
        if known == inputs and isinstance(view, RootCard):
            return view
    card = _last_card(state, merge, checklist, inputs)
    views.append((inputs, card))
    del views[:-_CARDS_PER_MERGE]
    return card


def _last_card(
    state: ReportState, merge: ReportMerge, checklist: Checklist, inputs: tuple[object, ...]
) -> RootCard:
    """A new merge that shows the same (another indicator in a list, an answer replaced): the
    report's last card, when the same fields showed it. Not for a report sent before: its
    card counts the answers since, and keeping its contributions to compare them would keep
    them beyond the caches' budgets."""
    if state.delivery.last_sent is not None:
        return _root_card(state, merge, checklist)
    shown = _merge_shown(state, merge, checklist)
    last = _last_cards.get(state.id)
    if last is not None and last[0] == inputs and last[1] == shown:
        card = last[2]
    else:
        card = _root_card(state, merge, checklist)
    _last_cards[state.id] = (inputs, shown, card)
    _last_cards.move_to_end(state.id)
    while len(_last_cards) > _LAST_CARDS_KEPT:
        _last_cards.popitem(last=False)
    return card


def _merge_shown(
    state: ReportState, merge: ReportMerge, checklist: Checklist
) -> tuple[object, ...]:
    """What of a merge the root card shows: every count, the conflicts, the TLP, and whether
    the item the root asks is still unanswered (the rest of the card is the state's)."""
    asking = state.asking_on_root
    return (
        merge.tlp,
        tuple((s.answered, s.total) for s in merge.sections),
        tuple(c.item.number for c in merge.open_conflicts),
        len(merge.essentials),
        len(merge.missing_essentials),
        merge.item(asking).status
        if asking is not None and checklist.find_item(asking) is not None
        else None,
    )


# The last root card of the most recent reports, with what it was made from.
_LAST_CARDS_KEPT = 1024
_last_cards: OrderedDict[str, tuple[tuple[object, ...], tuple[object, ...], RootCard]] = (
    OrderedDict()
)


def _root_card(state: ReportState, merge: ReportMerge, checklist: Checklist) -> RootCard:
    assignees = {a.section_id: a.assignee for a in state.assignments}
    sent = state.delivery.last_sent
    question = root_question(state, merge, checklist)
    return RootCard(
        report_id=state.id,
        number=state.number,
        title=state.title,
        tlp=merge.tlp,
        lead=state.lead,
        status=STATUS_WORDS[state.status],
        answered=merge.answered,
        total=merge.total,
        sections=tuple(
            SectionProgress(
                section_id=s.section.id,
                number=s.section.number,
                title=s.section.title,
                answered=s.answered,
                total=s.total,
                assignee=assignees.get(s.section.id),
            )
            for s in merge.sections
        ),
        open_conflicts=tuple(c.item.number for c in merge.open_conflicts),
        essentials_answered=len(merge.essentials) - len(merge.missing_essentials),
        essentials_total=len(merge.essentials),
        buttons=() if state.status is ReportStatus.CANCELLED else root_buttons(state.id),
        current_question=None if question is not None else _current_question(state, merge),
        question=question,
        sent_at=sent.at if sent is not None else None,
        answers_since_sent=_answers_since(state, sent),
    )


def root_question(
    state: ReportState, merge: ReportMerge, checklist: Checklist
) -> RootQuestion | None:
    """The first question as the root asks it (`ReportState.asking_on_root`): the welcome,
    the question and its buttons, as long as nobody has answered it."""
    item_id = state.asking_on_root
    if item_id is None or checklist.find_item(item_id) is None:
        return None  # a cursor from an older checklist version: show the summary alone
    if merge.item(item_id).status is not ItemStatus.MISSING:
        return None  # answered some other way (an added message): the summary says so
    # The same until the report's first answer, however many turns see it: built once.
    inputs = (_Same(checklist), item_id, state.lead, state.assignments)
    known = _root_questions.get(state.id)
    if known is not None and known[0] == inputs:
        _root_questions.move_to_end(state.id)
        return known[1]
    item = checklist.item(item_id)
    asked = RootQuestion(
        item_id=item_id,
        text=welcome(state) + rich("\n") + question_of(state, checklist, item_id),
        buttons=question_buttons_of(state.id, checklist, item),
    )
    _root_questions[state.id] = (inputs, asked)
    _root_questions.move_to_end(state.id)
    while len(_root_questions) > _ROOT_QUESTIONS_KEPT:
        _root_questions.popitem(last=False)
    return asked


# The root's question of the most recent reports, with what it was made from (a few
# hundred bytes each).
_ROOT_QUESTIONS_KEPT = 1024
_root_questions: OrderedDict[str, tuple[tuple[object, ...], RootQuestion]] = OrderedDict()


def _current_question(state: ReportState, merge: ReportMerge) -> str | None:
    if state.status is not ReportStatus.OPEN or not state.guiding or state.cursor is None:
        return None
    try:
        item = merge.item(state.cursor).item
    except KeyError:  # a cursor from an older checklist version: show nothing rather than guess
        return None
    return f"{item.number} {item.question}"


def _answers_since(state: ReportState, sent: SentEmail | None) -> int:
    if sent is None:
        return 0
    return sum(
        1
        for c in state.contributions
        if c.retracted_at is None and max(c.at, c.edited_at or c.at) > sent.at
    )


def welcome(state: ReportState) -> RichText:
    """One line above the first question: who leads, who may answer, and the two ways to."""
    return rich(
        "Report started by ",
        mention(state.lead.id, state.lead.name),
        " (lead); anyone in the thread can answer. Reply to a question, or answer any item with ",
        code("4.2: your answer"),
        "; start with ",
        code(SIDE_REMARK_PREFIX),
        " to talk. Nothing goes to JCDC until the lead confirms.",
    )


# A question whose choices are buttons says so instead of listing them again.
_PRESS_OR_REPLY = "Press one, or reply with its number."
_PRESSED_KINDS = (AnswerKind.CHOICE, AnswerKind.SEVERITY, AnswerKind.CONFIDENCE)
# Hints that would take a paragraph in the question; the full one is behind More.
_SHORT_HINTS = {
    AnswerKind.DATETIME: "Reply with a date, time and zone, e.g. 2026-11-20 14:03 UTC.",
    AnswerKind.IOCS: "List IPs, domains, URLs, e-mail addresses or hashes (defanged is fine).",
}


def short_hint(item: Item, buttons: bool) -> str:
    """How to answer, in one short line: the question's own line budget is three."""
    if buttons and item.kind in _PRESSED_KINDS:
        return _PRESS_OR_REPLY
    return _SHORT_HINTS.get(item.kind, answer_hint(item))


def question(
    item: Item,
    section: Section,
    position: int,
    total: int,
    assignee: Actor | None,
    buttons: bool = False,
) -> RichText:
    """A question in at most three lines: the question with where it stands, how to answer,
    and (only when there is one) its caution and its assignee. Its help, example and the
    full way to answer are behind the More button (`more`). `buttons`: its choices are
    buttons under it."""
    spans: list[Span | str] = [
        strong(f"{item.number} {item.question}"),
        f"  ·  {section.title}, {position} of {total}\n",
        short_hint(item, buttons),
    ]
    if item.kind is AnswerKind.TLP:
        spans.append(" Only the lead or an approver sets this.")
    if item.caution or assignee is not None:
        spans.append("\n")
        if item.caution:
            spans += [strong("Caution: "), item.caution]
        if assignee is not None:
            spans += [" " if item.caution else "", mention(assignee.id, assignee.name)]
            spans.append(", this section is yours.")
    return rich(*spans)


def question_of(state: ReportState, checklist: Checklist, item_id: str) -> RichText:
    """The question of `item_id` as the guide asks it: where it stands, its assignee."""
    item = checklist.item(item_id)
    section = checklist.section_of(item)
    assignee = next((a.assignee for a in state.assignments if a.section_id == section.id), None)
    return question(
        item,
        section,
        checklist_position(checklist, item),
        checklist.item_count,
        assignee,
        buttons=bool(choice_buttons(state.id, item)),
    )


def question_buttons_of(report_id: str, checklist: Checklist, item: Item) -> tuple[Button, ...]:
    """A question's buttons: its choices (one click answers it), More (its help,
    privately), then its section's form."""
    return (
        *choice_buttons(report_id, item),
        more_button(report_id, item),
        form_button(checklist.section_of(item), report_id),
    )


# A question offers its choices as buttons when it has at most this many (a sector list of
# 16 reads better in the form).
_CHOICE_BUTTONS_MAX = 8


def choice_buttons(report_id: str, item: Item) -> tuple[Button, ...]:
    choices = answer_choices(item)
    if len(choices) > _CHOICE_BUTTONS_MAX:
        return ()
    return tuple(
        Button(
            action=actions.ANSWER,
            label=display_value(item, value),
            value=f"{report_id}:{item.id}:{value}",
        )
        for value in choices
    )


def more_button(report_id: str, item: Item) -> Button:
    return Button(action=actions.MORE, label="More", value=f"{report_id}:{item.id}")


def more(item: Item, section: Section) -> RichText:
    """What the question leaves out, for whoever asks: why JCDC asks (the help), an example,
    every way to answer, and how to move on."""
    spans: list[Span | str] = [
        strong(f"{item.number} {item.question}"),
        f" ({section.number} {section.title})\n",
        item.help,
    ]
    if item.example:
        spans += ["\nFor example: ", emphasis(item.example)]
    spans += ["\n", answer_hint(item)]
    if item.caution:
        spans += ["\n", strong("Caution: "), item.caution]
    spans += [
        "\nSay ",
        code("skip"),
        ", ",
        code("next"),
        ", ",
        code("back"),
        " or ",
        code("later"),
        " to move on; ",
        command_ref("help"),
        " lists the commands.",
    ]
    return rich(*spans)


# A question's message shows at most this many answers (the newest), whatever the item holds.
ANSWERS_SHOWN = 5


def answered(item: Item, merge: ItemMerge, latest: str | None) -> RichText:
    """A question's message once it has answers: the question, then each value with who gave
    it (`latest`: how this turn's new answer reads back, with its notes), or the conflict."""
    if merge.status is ItemStatus.CONFLICT:
        return rich(strong(f"\u26a0 {item.number} "), item.question, "\n", *conflict_notice(merge))
    if merge.status is ItemStatus.SKIPPED and not merge.contributions:
        return rich(strong(f"\u2192 {item.number} "), item.question, " — skipped")
    if not merge.contributions:
        return rich(strong(f"{item.number} "), item.question, " — ", emphasis("no answer now"))
    spans: list[Span | str] = [strong(f"\u2713 {item.number} "), item.question, " — "]
    if merge.resolution is not None and merge.value is not None:
        settled = display_value(item, merge.value)
        return rich(*spans, user_text(settled), " (settled by the lead)")
    newest = merge.contributions[-1]
    # Each value once with everyone who gave it: agreeing answers of a single-valued item are
    # one alternative; an accumulating item's answers each stand on their own.
    groups = [(a.value, a.contributions) for a in merge.alternatives] or [
        (c.value, (c,)) for c in merge.contributions[-ANSWERS_SHOWN:]
    ]
    # A list item can hold thousands of answers: its message shows the newest few (the
    # preview and the e-mail have them all), so its size and cost do not grow with the list.
    earlier = 0 if merge.alternatives else len(merge.contributions) - len(groups)
    if earlier:
        noun = "answer" if earlier == 1 else "answers"
        spans += [emphasis(f"{earlier:,} earlier {noun}, all in the preview"), "; "]
    for n, (value, contributions) in enumerate(groups):
        # By id: `in` would compare every other contribution with it field by field.
        newest_here = any(c.id == newest.id for c in contributions)
        shown = latest if latest is not None and newest_here else None
        names = ", ".join(dict.fromkeys(c.author.name for c in contributions))
        if n:
            spans.append("; ")
        spans += [user_text(shown or display_value(item, value)), f" ({names})"]
    return rich(*spans)


def recorded(author: Actor, item: Item, display: str, merge: ItemMerge) -> RichText:
    spans: list[Span | str] = [
        "Recorded ",
        strong(item.number),
        " from ",
        strong(author.name),
        ": ",
        user_text(display),
    ]
    if merge.status is ItemStatus.CONFLICT:
        spans += ["\n", *conflict_notice(merge)]
    return rich(*spans)


def conflict_notice(merge: ItemMerge) -> list[Span | str]:
    spans: list[Span | str] = [strong(f"Conflicting answers for {merge.item.number}: ")]
    for n, alternative in enumerate(merge.alternatives, start=1):
        names = ", ".join(a.name for a in alternative.authors)
        spans += [f"{n}) ", user_text(display_value(merge.item, alternative.value)), f" ({names}) "]
    spans += [
        "— the lead settles it with ",
        command_ref(f"resolve {merge.item.number} <number>"),
        ".",
    ]
    return spans


def all_done(merge: ReportMerge) -> RichText:
    return rich(
        strong("That was the last open question. "),
        f"{merge.answered} of {merge.total} answered, {merge.skipped} skipped. ",
        "Review with ",
        command_ref("preview"),
        "; the lead sends with ",
        command_ref("send"),
        ".",
    )


def status(state: ReportState, merge: ReportMerge) -> RichText:
    spans: list[Span | str] = [
        strong("Status of "),
        user_text(state.title),
        strong(f" [{merge.tlp}]"),
        f" — {STATUS_WORDS[state.status]}, lead ",
        strong(state.lead.name),
        "\n",
        f"{merge.answered} of {merge.total} answered, {merge.skipped} skipped, "
        f"{len(merge.open_conflicts)} open conflict(s).\n",
        *essentials_line(merge),
    ]
    for section in merge.sections:
        spans.append(
            f"\n{section.section.number} {section.section.title}: "
            f"{section.answered}/{section.total}"
        )
        if section.assignee is not None:
            spans.append(f" (assigned to {section.assignee.assignee.name})")
        by_author: dict[Actor, list[str]] = {}
        for merged in section.items:
            for author in merged.contributors:
                by_author.setdefault(author, []).append(merged.item.number)
        if by_author:
            spans.append(
                " — "
                + "; ".join(
                    f"{author.name}: {', '.join(numbers)}" for author, numbers in by_author.items()
                )
            )
    if merge.open_conflicts:
        spans += [
            "\n\n",
            strong("Open conflicts: "),
            ", ".join(c.item.number for c in merge.open_conflicts),
        ]
    return rich(*spans)


def essentials_line(merge: ReportMerge) -> list[Span | str]:
    """The essential items still missing, by number and question, before anything else."""
    essentials = merge.essentials
    if not essentials:
        return []
    missing = merge.missing_essentials
    if not missing:
        return [f"Essentials: all {len(essentials)} answered.\n"]
    return [
        f"Essentials: {len(essentials) - len(missing)} of {len(essentials)} answered; ",
        strong("missing first: "),
        "; ".join(f"{m.item.number} {m.item.question}" for m in missing),
        "\n",
    ]


def key_elements_line(merge: ReportMerge) -> list[Span | str]:
    """CISA's key elements first: how many the report answers and which are missing."""
    answered = {
        m.item.id for m in merge.items() if m.status in (ItemStatus.ANSWERED, ItemStatus.CONFLICT)
    }
    missing = missing_key_elements(answered.__contains__)
    count = f"{len(KEY_ELEMENTS) - len(missing)} of {len(KEY_ELEMENTS)}"
    if not missing:
        return [f"CISA's key elements: all {len(KEY_ELEMENTS)} answered.\n"]
    return [
        f"CISA's key elements: {count} answered; ",
        strong("missing: "),
        ", ".join(e.label for e in missing),
        ".\n",
    ]


# A question shown in a one-line list is cut here, so that the confirmation stays short.
_SHORT_QUESTION = 60


def _short(question: str) -> str:
    return question if len(question) <= _SHORT_QUESTION else question[: _SHORT_QUESTION - 1] + "…"


def unanswered_lines(merge: ReportMerge) -> list[Span | str]:
    """What a send would leave out: the missing essentials by name, the rest counted per
    section by number (titles would make the line longer than the report's essentials).
    A list of bare item numbers says nothing to the person deciding to send."""
    essentials = [m for m in merge.missing if m.item.essential]
    spans: list[Span | str] = []
    if essentials:
        spans += [
            strong(f"Missing essentials ({len(essentials)}): "),
            "; ".join(f"{m.item.number} {_short(m.item.question)}" for m in essentials),
            "\n",
        ]
    rest = [
        (
            s.section,
            sum(1 for m in s.items if m.status is ItemStatus.MISSING and not m.item.essential),
        )
        for s in merge.sections
    ]
    counted = [(section, n) for section, n in rest if n]
    if counted:
        total = sum(n for _, n in counted)
        label = "Other unanswered" if essentials else "Unanswered"
        per_section = ", ".join(f"§{section.number}: {n}" for section, n in counted)
        spans.append(f"{label} ({total}): {per_section}\n")
    return spans


def send_confirmation(
    state: ReportState, merge: ReportMerge, policy: Policy, requester: Actor
) -> RichText:
    spans: list[Span | str] = [
        strong(requester.name),
        " asks to send this report to JCDC.\n",
        *key_elements_line(merge),
        "Recipient: ",
        code(policy.recipient),
        "\n",
        "Marking: ",
        strong(merge.tlp),
        "\n",
        f"Completeness: {merge.answered} of {merge.total} items answered"
        f", {merge.skipped} skipped.\n",
    ]
    spans += unanswered_lines(merge)
    if merge.open_conflicts:
        spans += [
            strong("Unresolved conflicts: "),
            ", ".join(c.item.number for c in merge.open_conflicts),
            " — both values would be sent.\n",
        ]
    spans += [
        f"Attachments: {', '.join(policy.attachments)}\n",
        "Only ",
        mention(state.lead.id, state.lead.name),
        " (the lead) or an approver can confirm.",
    ]
    return rich(*spans)


def unchanged_since(last: SentEmail) -> RichText:
    when = last.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return rich(
        f"Nothing changed since the e-mail of {when} (Message-ID ",
        code(last.message_id or "unknown"),
        ").",
    )


def resend_question(state: ReportState, requester: Actor, last: SentEmail) -> RichText:
    return (
        rich(strong(requester.name), " asks to send this report to JCDC again.\n")
        + unchanged_since(last)
        + rich(
            " Send the same report again? Only ",
            mention(state.lead.id, state.lead.name),
            " (the lead) or an approver can.",
        )
    )


def help_text(lines: Iterable[tuple[str, str]]) -> RichText:
    """The help: one (usage, meaning) line per command, as the command table lists them."""
    spans: list[Span | str] = [strong("JCDC report commands"), "\n"]
    for usage, meaning in lines:
        spans += [command_ref(usage), f" — {meaning}\n"]
    spans += [
        "In the thread, answer the current question by replying, or any item with ",
        code("4.2: your answer"),
        ". Replies starting with ",
        code(SIDE_REMARK_PREFIX),
        " are ignored. ",
        code("#n"),
        " names a report by the number on its root message, e.g. ",
        command_ref("status #2"),
        ", where several are open.",
    ]
    return rich(*spans)


def section_form(
    state: ReportState, merge: ReportMerge, section: Section, is_author: Callable[[Actor], bool]
) -> SectionForm:
    """A form for one section, prefilled with the report's merged answers (everybody's) and
    the conflicts still open (`conversations.form_prefill`).

    `is_author` tells this person's contributions from others': a person is more than a user
    id (see conversations.people), and only the turn knows where the person came from. In a
    conflict, the field starts with this person's own side.
    """
    return SectionForm(
        report_id=state.id,
        section_id=section.id,
        title=f"{section.number} {section.title}",
        number=section.number,
        section_title=section.title,
        fields=tuple(
            form_field(item, prefill(merge.item(item.id), is_author)) for item in section.items
        ),
    )


def form_field(item: Item, shown: Prefill | None) -> FormField:
    """One form field for `item`, starting with `shown` (what the report holds), if anything."""
    values = answer_choices(item)
    chosen: set[str] = set()
    if shown is not None and shown.value is not None:
        stored = shown.value if isinstance(shown.value, list) else [shown.value]
        chosen = {str(v) for v in stored}
    return FormField(
        item_id=item.id,
        number=item.number,
        label=item.question,
        help=item.help,
        kind=item.kind,
        choices=tuple(Choice(value=v, label=display_value(item, v)) for v in values),
        multiple=item.kind is AnswerKind.MULTI_CHOICE,
        selected=tuple(v for v in values if v in chosen),
        multiline=item.kind in (AnswerKind.TEXT, AnswerKind.IOCS),
        initial=shown.text if shown is not None else "",
        conflict=shown.conflict if shown is not None else "",
    )


def checklist_position(checklist: Checklist, item: Item) -> int:
    for position, candidate in enumerate(checklist.items(), start=1):
        if candidate.id == item.id:
            return position
    raise KeyError(item.id)
