"""Browser deliveries (the JSON the page posts, see `shapes.py`) → the engine's events.

Pure. `read_delivery` checks a body and raises `MalformedDelivery` (the sender's error: a 400)
for anything of the wrong shape; `from_delivery` says which event it means, or None for chatter
(a top-level message that is no command). What the page calls a person is their name: the id
the engine keeps is derived from it (`person_id`), so the same name is the same person in
every tab and after a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from adapters.event_limits import misfit
from adapters.intake import Delivery
from adapters.web.shapes import BrowserDelivery, Delete, Edit, Person, Press, Say, SubmitForm
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from conversations.state import Actor

PLATFORM = "web"
# There is one playground per process: its workspace has a fixed name (JCDC_APPROVERS entries
# for it read `web:playground:person:<name>`).
WORKSPACE = "playground"
COMMAND_PREFIX = "/jcdc"
# Page records are named "<kind>-<random>" (adapters.web.hub.new_id): a private notice's id
# says it is one, so a press on it can ask for that very notice to be replaced.
NOTICE_PREFIX = "notice"

WebEvent = (
    CommandIssued | MessagePosted | MessageEdited | MessageDeleted | ButtonPressed | FormSubmitted
)
_E = TypeVar(
    "_E", CommandIssued, MessagePosted, MessageEdited, MessageDeleted, ButtonPressed, FormSubmitted
)
_READER: TypeAdapter[BrowserDelivery] = TypeAdapter(BrowserDelivery)


class MalformedDelivery(ValueError):
    """A body that is not what the page sends: answered with a 400, never stored."""


def person_id(name: str) -> str:
    """The simulated identity behind a name: case and spacing do not make another person."""
    return "person:" + "-".join(name.casefold().split())


def actor_of(person: Person) -> Actor:
    return Actor(id=person_id(person.name), name=" ".join(person.name.split()))


def read_delivery(payload: Mapping[str, Any]) -> BrowserDelivery:
    try:
        return _READER.validate_python(dict(payload))
    except ValidationError as error:
        # Where and what, never the value: it is the sender's text and goes to a log.
        problem = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        raise MalformedDelivery(f"{where}: {problem['msg']}") from None


LANE_PREFIX = f"{PLATFORM}:{WORKSPACE}:"


def lane_of(channel: str) -> str:
    return f"{LANE_PREFIX}{channel}"


def delivery_of(payload: Mapping[str, Any]) -> Delivery:
    """The inbox's view of a body: checked and translated now (MalformedDelivery now, not
    when the inbox worker gets to it), stored verbatim."""
    shape = read_delivery(payload)
    from_delivery(shape)
    return Delivery(
        platform=PLATFORM,
        delivery_id=shape.id,
        lane=lane_of(shape.channel),
        payload=shape.model_dump(mode="json"),
    )


def from_delivery(shape: BrowserDelivery) -> WebEvent | None:
    where: dict[str, Any] = {
        "platform": PLATFORM,
        "workspace": WORKSPACE,
        "channel": shape.channel,
        "actor": actor_of(shape.person),
    }
    if isinstance(shape, Say):
        return _from_say(shape, where)
    if isinstance(shape, Edit):
        return _checked(
            MessageEdited(
                event_id=f"edit:{shape.id}",
                thread=shape.thread,
                message_id=shape.message_id,
                text=shape.text.strip(),
                **where,
            )
        )
    if isinstance(shape, Delete):
        return _checked(
            MessageDeleted(
                event_id=f"delete:{shape.id}",
                thread=shape.thread,
                message_id=shape.message_id,
                **where,
            )
        )
    if isinstance(shape, Press):
        on = shape.message_id
        private = on is not None and on.startswith(f"{NOTICE_PREFIX}-")
        return _checked(
            ButtonPressed(
                event_id=f"press:{shape.id}",
                thread=shape.thread,
                report_id=shape.report_id or None,
                action=shape.action,
                value=shape.value,
                # Which notice is the chat's to check (WebChat.replace_private): only the
                # clicker's own is ever replaced.
                message_id=None if private else on,
                private_reply=on if private else None,
                **where,
            )
        )
    assert isinstance(shape, SubmitForm)
    return _checked(
        FormSubmitted(
            event_id=f"form:{shape.id}",
            report_id=shape.report_id,
            section_id=shape.section_id,
            values={key: value.strip() for key, value in shape.values.items()},
            **where,
        )
    )


def command_text(text: str) -> str | None:
    """`/jcdc new Title` → "new Title"; None when the text is no command."""
    stripped = text.strip()
    head, _, rest = stripped.partition(" ")
    if head.casefold() != COMMAND_PREFIX:
        return None
    return rest.strip()


def _from_say(shape: Say, where: dict[str, Any]) -> CommandIssued | MessagePosted | None:
    command = command_text(shape.text)
    if command is not None:
        mentions = tuple(actor_of(Person(name=name)) for name in shape.mentions)
        return _checked(
            CommandIssued(
                event_id=f"command:{shape.id}",
                thread=shape.thread,
                text=command,
                mentions=mentions,
                **where,
            )
        )
    if shape.thread is None:
        return None  # chatter in the channel: shown on the page, no answer to anything
    return _checked(
        MessagePosted(
            event_id=f"message:{shape.id}",
            thread=shape.thread,
            message_id=shape.id,
            text=shape.text.strip(),
            **where,
        )
    )


def _checked(event: _E) -> _E:
    reason = misfit(event)
    if reason is not None:
        raise MalformedDelivery(reason)
    return event
