"""What the page posts: one JSON object per thing a person did, checked before it is stored.

The page gives every delivery an id of its own (a UUID) and sends it again with the same id
when an answer did not arrive: the inbox stores it once. Everything is bounded, so a body that
would not fit what the bot keeps is refused with a 400 at the door.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Ids the page makes up: a UUID, or anything as short and as plain.
Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=255)]


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Shape):
    name: Name


class _Delivery(_Shape):
    id: Token
    person: Person
    channel: Token


class Say(_Delivery):
    """Text typed in the channel or in a thread: a command when it starts with `/jcdc`."""

    type: Literal["say"]
    text: Text
    thread: Token | None = None
    # Names of the people the text @mentions, as the page resolved them against its roster.
    mentions: tuple[Name, ...] = Field(default=(), max_length=20)


class Edit(_Delivery):
    type: Literal["edit"]
    thread: Token
    message_id: Token
    text: Text


class Delete(_Delivery):
    type: Literal["delete"]
    thread: Token
    message_id: Token


class Press(_Delivery):
    type: Literal["press"]
    action: Short
    value: Short = ""
    report_id: Short | None = None
    thread: Token | None = None
    # The page record the button was on: a thread post (edited when the control is used) or
    # one's own private notice (replaced when used).
    message_id: Token | None = None


class SubmitForm(_Delivery):
    type: Literal["form"]
    report_id: Short
    section_id: Short
    values: dict[Short, Text] = Field(max_length=200)


BrowserDelivery = Annotated[Say | Edit | Delete | Press | SubmitForm, Field(discriminator="type")]
