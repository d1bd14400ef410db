"""Platform-neutral message text.

The engine never formats Block Kit or Markdown. It builds messages from spans, and marks
everything a person typed as `user` text so that each adapter can escape it for its platform
(no @channel pings, mentions, links or formatting smuggled in through an answer).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

SpanStyle = Literal["plain", "strong", "emphasis", "code", "user", "mention", "command"]
# How a `command` span reads where no platform says otherwise (Slack's slash command).
DEFAULT_COMMAND_PREFIX = "/jcdc"


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    style: SpanStyle
    text: str
    # For mentions: the platform user id to notify; `text` is the display name.
    user_id: str | None = None


RichText = tuple[Span, ...]


def plain(text: str) -> Span:
    return Span(style="plain", text=text)


def strong(text: str) -> Span:
    return Span(style="strong", text=text)


def emphasis(text: str) -> Span:
    return Span(style="emphasis", text=text)


def code(text: str) -> Span:
    return Span(style="code", text=text)


def user_text(text: str) -> Span:
    """Text a person typed: adapters must escape it."""
    return Span(style="user", text=text)


def mention(user_id: str, name: str) -> Span:
    return Span(style="mention", text=name, user_id=user_id)


def command_ref(text: str) -> Span:
    """A bot command such as `send`: Slack shows it as `/jcdc send`, Teams as `@JCDC send`."""
    return Span(style="command", text=text)


def rich(*parts: Span | str) -> RichText:
    """Build a message; bare strings are bot-authored plain text."""
    return tuple(plain(part) if isinstance(part, str) else part for part in parts)


def to_plain(
    text: RichText, command_prefix: str = DEFAULT_COMMAND_PREFIX, *, backticks: bool = True
) -> str:
    """A readable plain-text rendering (CLI, logs, tests; without backticks, the notification
    text that chat platforms show)."""
    quote = "`" if backticks else ""
    out: list[str] = []
    for span in text:
        if span.style == "mention":
            out.append(f"@{span.text}")
        elif span.style == "code":
            out.append(f"{quote}{span.text}{quote}")
        elif span.style == "command":
            out.append(f"{quote}{command_prefix} {span.text}{quote}")
        else:
            out.append(span.text)
    return "".join(out)
