"""Platform-neutral outbound effects: what the engine asks the outside world to do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from conversations.checklist import AnswerKind
from conversations.richtext import RichText
from conversations.state import Actor


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Button(_Frozen):
    action: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


class SectionProgress(_Frozen):
    section_id: str
    number: int
    title: str
    answered: int
    total: int
    assignee: Actor | None = None


class RootCard(_Frozen):
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


class Choice(_Frozen):
    """One value a form field offers, as stored (`value`) and as people read it (`label`)."""

    value: str
    label: str


class FormField(_Frozen):
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


class SectionForm(_Frozen):
    report_id: str
    section_id: str
    title: str
    fields: tuple[FormField, ...]


class PostRoot(_Frozen):
    """Post the report's root message in the channel; its id comes back as RootPosted."""

    kind: Literal["post_root"] = "post_root"
    report_id: str
    channel: str
    card: RootCard


class UpdateRoot(_Frozen):
    kind: Literal["update_root"] = "update_root"
    channel: str
    message_id: str
    card: RootCard


class Post(_Frozen):
    """A message in the report's thread (or the channel when there is no thread yet)."""

    kind: Literal["post"] = "post"
    channel: str
    thread: str | None
    text: RichText
    buttons: tuple[Button, ...] = ()
    # The item this message asks, if it asks one: its id and time come back as QuestionPosted.
    question: str | None = None


class Ephemeral(_Frozen):
    """A notice only `user` sees (errors, status, help)."""

    kind: Literal["ephemeral"] = "ephemeral"
    channel: str
    thread: str | None
    user: Actor
    text: RichText
    buttons: tuple[Button, ...] = ()


class OpenForm(_Frozen):
    kind: Literal["open_form"] = "open_form"
    channel: str
    user: Actor
    trigger: str | None
    form: SectionForm


class FormRejected(_Frozen):
    """A submitted form had invalid fields; nothing was recorded. Keys are item ids."""

    kind: Literal["form_rejected"] = "form_rejected"
    user: Actor
    errors: dict[str, str]


class ShowPreview(_Frozen):
    """Show `user` the assembled report (assembled and rendered outside the engine)."""

    kind: Literal["show_preview"] = "show_preview"
    report_id: str
    channel: str
    thread: str | None
    user: Actor


class SubmitRequested(_Frozen):
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
    | Ephemeral
    | OpenForm
    | FormRejected
    | ShowPreview
    | SubmitRequested,
    Field(discriminator="kind"),
]


class AuditEntry(_Frozen):
    """One line of the append-only audit trail, produced by the engine with each turn."""

    at: datetime
    actor: Actor
    action: str
    item_id: str | None = None
    detail: dict[str, JsonValue] = Field(default_factory=dict)
