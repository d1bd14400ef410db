"""Section forms as Teams dialogs (task modules), opened from a card's form button.

A form button carries `msteams: {type: "task/fetch"}` (cards.OPENS_DIALOG), so a click is a
`task/fetch` invoke that Teams waits on: the HTTP answer is the dialog. It is built at once
from the report as last committed, through `Rehearsal`: the engine's own turn for that button
press, computed and never stored. So the dialog shows exactly the form a card submit would
have sent to the personal chat (prefilled with the report's merged answers), and anyone the
turn would refuse (another tenant, a report that is not theirs or does not exist, a cancelled
report) is told the same thing, in the dialog.

The dialog's "Save answers" is a `task/submit` invoke carrying the form's values, rehearsed
the same way before anything is stored:
- rejected (a value that does not parse, a TLP from someone who may not set it): the dialog
  stays open, showing what was typed with the reasons under the fields; nothing is stored;
- refused, or nothing to record (another tenant's report, nothing changed): the reason, in a
  small message; nothing is stored (a refusal leaves its audit line, see bot.rehearsal);
- the same invoke again once its turn has run (Teams retries an invoke): "Saved", as the
  first answer was;
- otherwise the invoke is stored in the inbox like any delivery (TeamsEndpoint does that,
  and answers 503 when it cannot), and only then is "Saved" answered. The turn that records
  the answers runs from the inbox, as for any card submit; a replayed invoke has the same id
  and is stored once.

Where there is no invoke (a typed `form 5`, or a client that sends the button as a plain card
submit), the form still goes to the personal chat (chat.py): that path is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from adapters.teams import shapes
from adapters.teams.cards import ADAPTIVE_CARD, form_card, plain_summary, run
from adapters.teams.translate import INPUT_PREFIX, TASK_FETCH, TASK_SUBMIT, from_dialog
from conversations import actions
from conversations.effects import Ephemeral, FormField, FormRejected, OpenForm, SectionForm
from conversations.events import ButtonPressed, FormSubmitted
from conversations.turn import Step

Json = dict[str, Any]

DIALOG_HEIGHT = "large"
DIALOG_WIDTH = "medium"
# The audit line the engine writes when a form recorded something (conversations.forms).
_RECORDED = "form_submitted"
SAVED_ALREADY = (
    "Saved: your answers are recorded, under your name. Undo is in your chat with the bot."
)


class Rehearsal(Protocol):
    async def rehearse(self, event: ButtonPressed | FormSubmitted) -> Step:
        """The turn `event` would be on the report as it stands now, with the same access
        checks as a stored one, and nothing stored. Raises adapters.intake.Unavailable when
        the report cannot be read."""
        ...

    async def processed(self, event: FormSubmitted) -> bool:
        """Whether a stored turn already handled `event` (Teams sent the invoke again)."""
        ...


@dataclass(frozen=True)
class DialogAnswer:
    """The invoke response, and whether the invoke must be stored (durably) before it is
    given: only a submission that will record something is."""

    response: Json
    store: bool = False


class Dialogs:
    def __init__(self, rehearsal: Rehearsal) -> None:
        self.rehearsal = rehearsal

    async def answer(self, activity: shapes.Activity) -> DialogAnswer | None:
        """The answer to a dialog invoke; None for any other activity (those go the ordinary
        way). MalformedActivity for an invoke whose data is not what our cards send."""
        if activity.type != "invoke" or activity.name not in (TASK_FETCH, TASK_SUBMIT):
            return None
        event = from_dialog(activity)
        if isinstance(event, ButtonPressed):
            return await self._open(event)
        if isinstance(event, FormSubmitted):
            return await self._submit(event)
        return DialogAnswer(_message("That button does not open anything in this app."))

    async def _open(self, press: ButtonPressed) -> DialogAnswer:
        step = await self.rehearsal.rehearse(press)
        form = _form_of(step)
        if form is None:
            return DialogAnswer(_message(_told(step) or "That form is no longer available."))
        return DialogAnswer(_dialog(form, form_card(form)))

    async def _submit(self, submitted: FormSubmitted) -> DialogAnswer:
        if await self.rehearsal.processed(submitted):
            # The same invoke again (a retry, a double click) after its answers were recorded:
            # rehearsed now it would record nothing, but what the person did was save them.
            return DialogAnswer(_message(SAVED_ALREADY))
        step = await self.rehearsal.rehearse(submitted)
        rejected = next((e for e in step.effects if isinstance(e, FormRejected)), None)
        if rejected is not None:
            shown = _form_of(await self.rehearsal.rehearse(_opener(submitted)))
            if shown is not None:
                return DialogAnswer(_dialog(shown, with_errors(shown, submitted, rejected)))
            reasons = "; ".join(f"{item}: {why}" for item, why in rejected.errors.items())
            return DialogAnswer(_message(f"Your answers were not saved. {reasons}"))
        recorded = [entry for entry in step.audit if entry.action == _RECORDED]
        if not recorded:
            # Refused, or nothing to record: the turn's own words, and nothing is stored.
            return DialogAnswer(_message(_told(step) or "Nothing was saved."))
        items = recorded[0].detail.get("items")
        changed = [str(item) for item in items] if isinstance(items, list) else []
        form = _form_of(await self.rehearsal.rehearse(_opener(submitted)))
        return DialogAnswer(
            _message(
                f"Saved: {_what(form, changed)}, under your name. "
                "Undo is in your chat with the bot."
            ),
            store=True,
        )


def _opener(submitted: FormSubmitted) -> ButtonPressed:
    """The press of the form button that opened this form: to show it again."""
    return ButtonPressed(
        event_id=f"reopen:{submitted.event_id}",
        platform=submitted.platform,
        workspace=submitted.workspace,
        channel=submitted.channel,
        thread=submitted.thread,
        actor=submitted.actor,
        report_id=submitted.report_id,
        action=actions.OPEN_FORM,
        value=f"{submitted.report_id or ''}:{submitted.section_id}",
    )


def _form_of(step: Step) -> SectionForm | None:
    return next((e.form for e in step.effects if isinstance(e, OpenForm)), None)


def _told(step: Step) -> str:
    """What the turn would tell the person privately, as plain text."""
    return " ".join(plain_summary(e.text) for e in step.effects if isinstance(e, Ephemeral))


def _what(form: SectionForm | None, changed: list[str]) -> str:
    """ "1.2, 1.3 of section 1 Incident overview": the items by their numbers."""
    if form is None:
        return ", ".join(changed)
    numbers = {f.item_id: f.number for f in form.fields}
    return f"{', '.join(numbers.get(i, i) for i in changed)} of section {form.title}"


def _dialog(form: SectionForm, content: Json) -> Json:
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": f"Section {form.title}",
                "height": DIALOG_HEIGHT,
                "width": DIALOG_WIDTH,
                "card": {"contentType": ADAPTIVE_CARD, "content": content},
            },
        }
    }


def with_errors(form: SectionForm, submitted: FormSubmitted, rejected: FormRejected) -> Json:
    """The form again, with what was typed in its fields (nothing typed is lost) and each
    refusal's reason under its field."""
    typed = form.model_copy(
        update={"fields": tuple(_typed(f, submitted.values) for f in form.fields)}
    )
    content = form_card(typed)
    body: list[Json] = []
    for element in content["body"]:
        body.append(element)
        item_id = str(element.get("id", "")).removeprefix(INPUT_PREFIX)
        if str(element.get("id", "")).startswith(INPUT_PREFIX) and item_id in rejected.errors:
            body.append(
                {
                    "type": "RichTextBlock",
                    "spacing": "None",
                    "inlines": [run(rejected.errors[item_id], color="Attention", weight="Bolder")],
                }
            )
    notice = {
        "type": "RichTextBlock",
        "inlines": [
            run(
                "Not saved yet: fix the fields marked in red and save again. Nothing was recorded.",
                color="Attention",
                weight="Bolder",
            )
        ],
    }
    return {**content, "body": [body[0], notice, *body[1:]]}


def _typed(field: FormField, values: dict[str, str]) -> FormField:
    if field.item_id not in values:
        return field
    value = values[field.item_id]
    if field.choices:
        offered = {choice.value for choice in field.choices}
        picked = tuple(v for v in value.split(",") if v in offered)
        return field.model_copy(update={"selected": picked})
    return field.model_copy(update={"initial": value})


def _message(text: str) -> Json:
    """A task answer that only shows `text` to the person who clicked."""
    return {"task": {"type": "message", "value": text}}
