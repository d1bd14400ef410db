"""What happens to a signed, parsed Slack request before it is answered, over HTTP and over
Socket Mode alike: dropped when it is not the bot's business, answered with field errors
when it is a modal submission that does not parse, otherwise stored in the inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.intake import Delivery, Intake
from adapters.slack.translate import (
    PLATFORM,
    BadPayload,
    SlackKind,
    from_view_submission,
    slack_delivery_translated,
)
from adapters.slack.translations import Translations
from conversations.events import FormSubmitted

# Field errors of a submitted form, by item id (empty when every field parses).
CheckForm = Callable[[FormSubmitted], dict[str, str]]


@dataclass(frozen=True)
class Admitted:
    """How to answer: plain (stored, or nothing to store), or with a modal's field errors."""

    stored: bool
    form_errors: dict[str, str] = field(default_factory=dict)


class SlackDeliveries:
    def __init__(
        self,
        intake: Intake,
        check_form: CheckForm | None = None,
        translations: Translations | None = None,
    ) -> None:
        self.intake = intake
        self.check_form = check_form
        # The events translated here, for this process's inbox worker (adapters.slack.
        # translations): None keeps none.
        self.translations = translations

    async def admit(self, kind: SlackKind, body: dict[str, Any]) -> Admitted:
        """Raises BadPayload for a shape the bot cannot read, adapters.intake.Unavailable
        when the delivery could not be stored."""
        found, event = slack_delivery_translated(kind, body)
        if found is None or found.ignorable:
            return Admitted(stored=False)
        if kind == "interaction" and body.get("type") == "view_submission":
            errors = self._form_errors(body)
            if errors:
                # The modal stays open with the reasons under the fields; nothing is stored,
                # and nothing is lost: the person still sees what they typed.
                return Admitted(stored=False, form_errors=errors)
        if event is not None and self.translations is not None:
            # Kept before the intake hands the delivery to the worker (whose turn may come
            # as soon as it is stored); one that is not stored after all falls out unused.
            self.translations.keep(body, event)
        await self.intake.accept(
            Delivery(
                platform=PLATFORM,
                delivery_id=found.delivery_id,
                lane=f"{PLATFORM}:{found.workspace}:{found.channel}",
                payload={"kind": kind, "body": body},
            )
        )
        return Admitted(stored=True)

    def _form_errors(self, body: dict[str, Any]) -> dict[str, str]:
        if self.check_form is None:
            return {}
        try:
            event = from_view_submission(body)
        except BadPayload:
            return {}  # slack_delivery accepted it; the turn will say what is wrong
        return self.check_form(event) if event is not None else {}
