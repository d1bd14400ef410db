"""Telling talk from answers: a thread reply that reads like conversation between people is
never recorded without its author saying so."""

from __future__ import annotations

import re

# Short acknowledgements people trade while they work; nobody means them as an answer.
_ACKNOWLEDGEMENTS = frozenset(
    {
        "ok",
        "okay",
        "k",
        "kk",
        "thanks",
        "thank",
        "you",
        "thx",
        "ty",
        "+1",
        "lol",
        "cool",
        "great",
        "nice",
        "got",
        "it",
        "sure",
        "np",
        "ack",
        "will",
        "do",
        "on",
        "agreed",
        "same",
        "yep",
        "yup",
        "kthx",
        "noted",
        "roger",
        "👍",
        "🙏",
    }
)
# The words of an acknowledgement: anything but letters, digits, `+` and emoji separates them.
_WORDS = re.compile(r"[+\w]+|[^\s\w.,!:;+-]", re.UNICODE)
# "ok thanks!!" has two words; an acknowledgement is short.
_ACKNOWLEDGEMENT_WORDS = 3


def talk_reason(text: str) -> str | None:
    """Why `text` reads like talk rather than an answer (for the log), or None."""
    stripped = text.strip()
    if not stripped:
        return "empty"
    if stripped.endswith("?"):
        return "a question"
    if stripped.startswith("@"):
        return "addressed to someone"
    words = _WORDS.findall(stripped.lower())
    if (
        words
        and len(words) <= _ACKNOWLEDGEMENT_WORDS
        and all(w in _ACKNOWLEDGEMENTS for w in words)
    ):
        return "an acknowledgement"
    return None
