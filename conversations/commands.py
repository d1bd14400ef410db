"""Parsing what people type: `/jcdc` commands, thread keywords and `N.M: answer` replies."""

from __future__ import annotations

import re
from dataclasses import dataclass

# `4.2: answer` or `4.2 = answer`, anywhere in the thread.
_DIRECT_ANSWER = re.compile(r"^\s*(\d{1,2}\.\d{1,2})\s*[:=]\s*(.*)$", re.DOTALL)
# Keywords that steer guided mode when typed alone in the thread.
_THREAD_KEYWORDS = frozenset(
    {"skip", "back", "next", "later", "pause", "resume", "continue", "help"}
)
# A reply starting with this is side conversation, never an answer.
SIDE_REMARK_PREFIX = "//"
MAX_TITLE_LENGTH = 150


@dataclass(frozen=True)
class Command:
    """A command word and the rest of the line, e.g. ("assign", "4 @dana")."""

    name: str
    argument: str


@dataclass(frozen=True)
class DirectAnswer:
    number: str
    text: str


_ALIASES = {
    "pause": "later",
    "continue": "resume",
    "start": "new",
    "create": "new",
    "progress": "status",
    "submit": "send",
    "abort": "cancel",
    "?": "help",
}


def parse_command(text: str) -> Command:
    """Split `/jcdc` text into a command name (lowercased, aliases folded) and its argument."""
    stripped = text.strip()
    if not stripped:
        return Command("help", "")
    word, _, rest = stripped.partition(" ")
    name = word.lower().rstrip(":")
    return Command(_ALIASES.get(name, name), rest.strip())


def parse_direct_answer(text: str) -> DirectAnswer | None:
    match = _DIRECT_ANSWER.match(text)
    if match is None:
        return None
    return DirectAnswer(match.group(1), match.group(2).strip())


def parse_thread_keyword(text: str) -> str | None:
    """`skip`, `back`, ... when the whole reply is just that word (punctuation tolerated)."""
    word = text.strip().lower().rstrip(".!")
    if word in _THREAD_KEYWORDS:
        return _ALIASES.get(word, word)
    return None


def is_side_remark(text: str) -> bool:
    return text.lstrip().startswith(SIDE_REMARK_PREFIX)
