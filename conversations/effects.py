"""Platform-neutral outbound effects: what the engine asks the outside world to do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, JsonValue

from conversations.checklist import AnswerKind
from conversations.frozen import FrozenModel
from conversations.richtext import RichText
from conversations.state import Actor


class Button(FrozenModel):
    action: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


class SectionProgress(FrozenModel):
    section_id: str
    number: int
    title: str
    answered: int
    total: int
    assignee: Actor | None = None


class RootQuestion(FrozenModel):
    """The first question, carried by the root message until the thread asks anything: the
    welcome line and the question as its own message would ask it (at most three lines),
    with its buttons (its choices, More, its section's form). A reply in the thread answers
    it; then the root is the summary alone again and the next question goes to the thread."""

    item_id: str
    text: RichText
    buttons: tuple[Button, ...] = ()


class RootCard(FrozenModel):
    """What the report's root message shows; adapters lay it out for their platform."""

    report_id: str
    title: str
    tlp: str
    lead: Actor
    status: str
    answered: int
    total: int
    sections: tuple[SectionProgress, ...]
    # Item numbers with conflicting answers waiting for the lead.
    open_conflicts: tuple[str, ...]
    buttons: tuple[Button, ...]
    # The checklist's essential items (CISA's key elements): how many are answered.
    essentials_answered: int = 0
    essentials_total: int = 0
    # The report's number in its channel, what people type to name it (`/jcdc status #2`).
    number: int | None = None
    # The question the thread is on ("2.1 Which IP addresses …"), None when nothing is asked
    # or when the root asks it itself (`question`).
    current_question: str | None = None
    # The first question, asked on the root itself until the thread asks anything (then None).
    question: RootQuestion | None = None
    # When the mail relay last accepted the report, and how many answers came after it: a
    # report answered since sending needs a follow-up, and the root message must say so.
    sent_at: datetime | None = None
    answers_since_sent: int = 0

    @property
    def sending_note(self) -> str | None:
        """The state of sending in words: "sent 10:42 UTC — 3 new answers since; …"."""
        if self.sent_at is None:
            return None
        when = self.sent_at.strftime("%H:%M UTC")
        if not self.answers_since_sent:
            return f"sent {when} — up to date"
        noun = "answer" if self.answers_since_sent == 1 else "answers"
        return (
            f"sent {when} — {self.answers_since_sent} new {noun} since; "
            "/jcdc send mails a follow-up"
        )

    @property
    def headline(self) -> str:
        """The title as the root message shows it: "#2 Prompt injection …"."""
        return f"#{self.number} {self.title}" if self.number is not None else self.title


class Choice(FrozenModel):
    """One value a form field offers, as stored (`value`) and as people read it (`label`)."""

    value: str
    label: str


class FormField(FrozenModel):
    """One item in a section form. A field with `choices` is a picker (several may be picked
    when `multiple`), whose current values are `selected`; any other is a text input that
    starts with `initial`. Adapters render exactly this: the core decides the choices."""

    item_id: str
    number: str
    label: str
    help: str
    kind: AnswerKind
    choices: tuple[Choice, ...] = ()
    multiple: bool = False
    selected: tuple[str, ...] = ()
    multiline: bool = False
    initial: str = ""
    # An open conflict on this item, to show with the help: "Conflict: A (Lena) / B (Bob) —
    # the lead resolves."; "" when there is none.
    conflict: str = ""


class SectionForm(FrozenModel):
    report_id: str
    section_id: str
    # "5 Affected users": the section's number and its full title.
    title: str
    fields: tuple[FormField, ...]
    # The two apart, for platforms whose form titles are short (Slack: 24 characters).
    number: int | None = None
    section_title: str = ""


class PostRoot(FrozenModel):
    """Post the report's root message in the channel; its id comes back as RootPosted."""

    kind: Literal["post_root"] = "post_root"
    report_id: str
    channel: str
    card: RootCard


class UpdateRoot(FrozenModel):
    kind: Literal["update_root"] = "update_root"
    channel: str
    message_id: str
    card: RootCard


class Post(FrozenModel):
    """A message in the report's thread (or the channel when there is no thread yet)."""

    kind: Literal["post"] = "post"
    channel: str
    thread: str | None
    text: RichText
    buttons: tuple[Button, ...] = ()
    # The item this message asks, if it asks one: its id and time come back as QuestionPosted.
    question: str | None = None


class EditPost(FrozenModel):
    """Rewrite one of the bot's thread messages in place (a question once it is answered, a
    confirmation once it is used): the thread changes without a new post notifying anyone.

    `message_id` is None when the message is a question the platform has not confirmed yet
    (its id comes back as QuestionPosted): the chat worker finds it by `question` when it
    performs the edit. A message that cannot be found is posted instead, so that what the
    edit says is never lost."""

    kind: Literal["edit_post"] = "edit_post"
    channel: str
    thread: str | None
    report_id: str
    message_id: str | None
    text: RichText
    buttons: tuple[Button, ...] = ()
    # The item whose question message this is, when it is one.
    question: str | None = None


class ReplacePrivate(FrozenModel):
    """Replace the private message whose button `user` pressed (a Record / Just talk prompt)
    with `text`: the used buttons are gone, and the notice says what was done. `reply_to`
    is the adapter's handle for that message (ButtonPressed.private_reply)."""

    kind: Literal["replace_private"] = "replace_private"
    channel: str
    user: Actor
    reply_to: str
    text: RichText


class Ephemeral(FrozenModel):
    """A notice only `user` sees (errors, status, help)."""

    kind: Literal["ephemeral"] = "ephemeral"
    channel: str
    thread: str | None
    user: Actor
    text: RichText
    buttons: tuple[Button, ...] = ()
    # The report it is about, as people name it ("#2 Title"), when there is one: a notice
    # read away from the thread (Teams: a personal chat) says which report it means.
    report: str | None = None


class OpenForm(FrozenModel):
    kind: Literal["open_form"] = "open_form"
    channel: str
    user: Actor
    trigger: str | None
    form: SectionForm


class ShortcutForm(FrozenModel):
    """The "Add to JCDC report" form: which report (one choice when only one is open), which
    item (essentials first), and the message's text to edit. The message's author and id
    travel with the form, as the adapter's own hidden state, back into ShortcutSubmitted."""

    reports: tuple[Choice, ...]
    items: tuple[Choice, ...]
    text: str
    author: Actor
    message_id: str


class OpenShortcutForm(FrozenModel):
    kind: Literal["open_shortcut_form"] = "open_shortcut_form"
    channel: str
    user: Actor
    trigger: str | None
    form: ShortcutForm


class FormRejected(FrozenModel):
    """A submitted form had invalid fields; nothing was recorded. Keys are item ids."""

    kind: Literal["form_rejected"] = "form_rejected"
    user: Actor
    errors: dict[str, str]


class ShowPreview(FrozenModel):
    """Show `user` a page of the assembled report (assembled and rendered outside the engine,
    from the report as it is then: see documents.preview)."""

    kind: Literal["show_preview"] = "show_preview"
    report_id: str
    channel: str
    thread: str | None
    user: Actor
    # Pages count from 1; one past the end shows the last.
    page: int = 1
    # Posted in the thread for everyone (the lead's `preview here`), not only to `user`.
    here: bool = False
    # The private message whose page button was pressed (ButtonPressed.private_reply): the
    # new page replaces it rather than arriving as one more private message. None: a new one.
    reply_to: str | None = None


class SubmitRequested(FrozenModel):
    """The lead confirmed: queue the report for delivery to JCDC."""

    kind: Literal["submit_requested"] = "submit_requested"
    report_id: str
    report_version: int
    requested_by: Actor
    confirmed_by: tuple[Actor, ...]
    at: datetime


Effect = Annotated[
    PostRoot
    | UpdateRoot
    | Post
    | EditPost
    | ReplacePrivate
    | Ephemeral
    | OpenForm
    | OpenShortcutForm
    | FormRejected
    | ShowPreview
    | SubmitRequested,
    Field(discriminator="kind"),
]


class AuditEntry(FrozenModel):
    """One line of the append-only audit trail, produced by the engine with each turn."""

    at: datetime
    actor: Actor
    action: str
    item_id: str | None = None
    detail: dict[str, JsonValue] = Field(default_factory=dict)
