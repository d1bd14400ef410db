"""Single choice, multiple choice and yes/no/unknown."""

from __future__ import annotations

import re

from conversations.answers.results import Accepted, Parsed, Rejected, normalise_word
from conversations.checklist import Item, Option

_LIST_SEPARATORS = re.compile(r"\s*(?:[,;\n]|\band\b)\s*")

_YES = {"yes", "y", "yep", "yeah", "true", "correct", "affirmative"}
_NO = {"no", "n", "nope", "false", "negative", "none"}
_UNKNOWN = {
    "unknown",
    "not sure",
    "unsure",
    "idk",
    "?",
    "don't know",
    "dont know",
    "do not know",
    "n/a",
    "na",
    "not known",
    "unclear",
    "tbd",
}
_UNKNOWN_STARTS = ("not sure", "no idea", "don't know", "dont know", "unknown", "unclear")
YES_NO_LABELS = {"yes": "Yes", "no": "No", "unknown": "Unknown"}


def option_lines(item: Item) -> str:
    return "; ".join(f"{n} {option.label}" for n, option in enumerate(item.options, start=1))


def resolve_option(item: Item, text: str) -> Option | None:
    word = normalise_word(text)
    if word.isdecimal():
        index = int(word)
        return item.options[index - 1] if 1 <= index <= len(item.options) else None
    for option in item.options:
        names = {
            option.id.replace("_", " "),
            normalise_word(option.label),
            *(normalise_word(alias) for alias in option.aliases),
        }
        if word in names:
            return option
    return None


def parse_choice(item: Item, text: str) -> Parsed:
    option = resolve_option(item, text)
    if option is None:
        return Rejected(
            f"I couldn't match that to an option. Reply with one of: "
            f"{option_lines(item)} (the number is enough)."
        )
    return Accepted(option.id, option.label)


def parse_multi_choice(item: Item, text: str) -> Parsed:
    parts = [part for part in _LIST_SEPARATORS.split(text.strip()) if part.strip()]
    chosen: set[str] = set()
    for part in parts:
        option = resolve_option(item, part)
        if option is None:
            return Rejected(
                f"I couldn't match {part.strip()!r} to an option. Pick one or more "
                f"of: {option_lines(item)}, separated by commas."
            )
        chosen.add(option.id)
    ordered = [option for option in item.options if option.id in chosen]
    return Accepted(
        [option.id for option in ordered], ", ".join(option.label for option in ordered)
    )


def parse_yes_no(text: str) -> Parsed:
    word = normalise_word(text)
    if word in _UNKNOWN or word.startswith(_UNKNOWN_STARTS):
        return Accepted("unknown", YES_NO_LABELS["unknown"])
    # "yes, via a partner" is a yes with detail; the detail stays in the raw answer.
    first = re.split(r"[\s,;:.!-]+", word, maxsplit=1)[0]
    if word in _YES or first in _YES:
        return Accepted("yes", YES_NO_LABELS["yes"])
    if word in _NO or first in _NO:
        return Accepted("no", YES_NO_LABELS["no"])
    return Rejected(
        'Reply yes, no or unknown (you can add detail after it, e.g. "yes, via a partner").'
    )
