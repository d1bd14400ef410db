"""Slack's message markup → the text the person typed.

Slack rewrites what people type before it reaches a bot: `evil.com` arrives as
`<http://evil.com|evil.com>`, `@here` as `<!here>`, `#general` as `<#C123|general>`, and
`&`, `<`, `>` as entities. Answers must reach the engine as typed, or an indicator of
compromise would be stored as Slack's link markup and a `<` in a prompt would read `&lt;`.
"""

from __future__ import annotations

import re

# One `<...>` token; its content never contains `<` or `>` (Slack escapes those).
_TOKEN = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _replace(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name in _SPECIAL:
            return _SPECIAL[name]
        # Dates, user groups and the like carry their readable form as the label.
        return label or f"@{name}"
    # A link: the label is what the person typed; without one they typed the URL itself.
    return label or target


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_typed_text(text: str) -> str:
    """Undo Slack's markup: links become what was typed, mentions `@name`, entities chars."""
    return unescape(_TOKEN.sub(_replace, text))
