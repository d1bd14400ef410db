"""A chat platform that lives in memory and keeps a readable transcript of what it was asked.

It assigns message ids like a real platform does, so the turn runner and the engine run
exactly as they would against Slack or Teams.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from conversations.effects import (
    Button,
    EditPost,
    Ephemeral,
    FormRejected,
    OpenForm,
    OpenShortcutForm,
    Post,
    PostRoot,
    ReplacePrivate,
    RootCard,
    ShowPreview,
    UpdateRoot,
)
from conversations.richtext import to_plain
from documents.assembly import AssembledReport
from documents.preview import Fits, fits_anything, page_buttons, page_text, preview_page


@dataclass(frozen=True)
class TranscriptLine:
    kind: str
    # Who sees it: "channel", "thread" or "only <name>".
    audience: str
    text: str
    message_id: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass
class MemoryChat:
    transcript: list[TranscriptLine] = field(default_factory=list)
    roots: dict[str, RootCard] = field(default_factory=dict)
    forms: list[OpenForm] = field(default_factory=list)
    shortcut_forms: list[OpenShortcutForm] = field(default_factory=list)
    rejected_forms: list[FormRejected] = field(default_factory=list)
    previews: list[str] = field(default_factory=list)
    # How much of a preview goes on one page: all of it, unless a test wants pages.
    preview_fits: Fits = fits_anything
    # The ids of thread messages edited in place, one entry per edit.
    edits: list[str] = field(default_factory=list)
    # Message ids are unique within a channel, as a platform's are: a caller that posts into a
    # channel used before (the demo run again on one database) gives a prefix of its own.
    id_prefix: str = "m"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"{self.id_prefix}{next(self._ids)}"

    async def post_root(self, effect: PostRoot) -> str:
        message_id = self.next_id()
        self.roots[message_id] = effect.card
        self.transcript.append(
            TranscriptLine(
                "root", "channel", card_text(effect.card), message_id, _root_buttons(effect.card)
            )
        )
        return message_id

    async def update_root(self, effect: UpdateRoot) -> None:
        self.roots[effect.message_id] = effect.card
        self.transcript.append(
            TranscriptLine(
                "root updated",
                "channel",
                card_text(effect.card),
                effect.message_id,
                _root_buttons(effect.card),
            )
        )

    async def post(self, effect: Post) -> str:
        message_id = self.next_id()
        self.transcript.append(
            TranscriptLine("post", "thread", to_plain(effect.text), message_id, effect.buttons)
        )
        return message_id

    async def edit(self, effect: EditPost, message_id: str) -> None:
        """Rewrite the posted message in the transcript (where it was), and note the edit."""
        for n, line in enumerate(self.transcript):
            if line.message_id == message_id and line.kind == "post":
                self.transcript[n] = TranscriptLine(
                    "post", "thread", to_plain(effect.text), message_id, effect.buttons
                )
                self.edits.append(message_id)
                return
        raise LookupError(message_id)

    async def replace_private(self, effect: ReplacePrivate) -> None:
        self.transcript.append(
            TranscriptLine("ephemeral replaced", f"only {effect.user.name}", to_plain(effect.text))
        )

    async def ephemeral(self, effect: Ephemeral) -> None:
        self.transcript.append(
            TranscriptLine(
                "ephemeral", f"only {effect.user.name}", to_plain(effect.text), None, effect.buttons
            )
        )

    async def open_form(self, effect: OpenForm) -> None:
        self.forms.append(effect)
        fields = ", ".join(f.number for f in effect.form.fields)
        self.transcript.append(
            TranscriptLine(
                "form", f"only {effect.user.name}", f"form {effect.form.title}: {fields}"
            )
        )

    async def open_shortcut_form(self, effect: OpenShortcutForm) -> None:
        self.shortcut_forms.append(effect)
        reports = ", ".join(c.label for c in effect.form.reports)
        self.transcript.append(
            TranscriptLine(
                "form",
                f"only {effect.user.name}",
                f"add to a report ({reports}) from {effect.form.author.name}: {effect.form.text}",
            )
        )

    async def reject_form(self, effect: FormRejected) -> None:
        self.rejected_forms.append(effect)
        errors = "; ".join(f"{item}: {reason}" for item, reason in effect.errors.items())
        self.transcript.append(TranscriptLine("form rejected", f"only {effect.user.name}", errors))

    async def show_preview(self, effect: ShowPreview, report: AssembledReport) -> None:
        page = preview_page(report, effect.page, self.preview_fits)
        text = to_plain(page_text(page))
        self.previews.append(text)
        audience = "thread" if effect.here else f"only {effect.user.name}"
        self.transcript.append(TranscriptLine("preview", audience, text, None, page_buttons(page)))

    def texts(self, kind: str | None = None) -> list[str]:
        return [line.text for line in self.transcript if kind is None or line.kind == kind]


def _root_buttons(card: RootCard) -> tuple[Button, ...]:
    """The root's buttons: its first question's, while it asks one, then its own."""
    asked = card.question.buttons if card.question is not None else ()
    return (*asked, *card.buttons)


def card_text(card: RootCard) -> str:
    lines = [
        f"{card.tlp} | {card.title} | lead {card.lead.name} | {card.status} | "
        f"{card.answered}/{card.total} answered"
    ]
    lines += [
        f"  {s.number} {s.title}: {s.answered}/{s.total}"
        + (f" (assigned to {s.assignee.name})" if s.assignee else "")
        for s in card.sections
    ]
    if card.open_conflicts:
        lines.append(f"  open conflicts: {', '.join(card.open_conflicts)}")
    if card.current_question is not None:
        lines.append(f"  now asking: {card.current_question}")
    if card.sending_note is not None:
        lines.append(f"  {card.sending_note}")
    if card.question is not None:
        # The first question, asked on the root until the thread asks one.
        lines += [f"  {line}" for line in to_plain(card.question.text).split("\n")]
        if card.question.buttons:
            lines.append("  [" + "] [".join(b.label for b in card.question.buttons) + "]")
    return "\n".join(lines)
