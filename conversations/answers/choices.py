"""Picking one or several of an item's options, by id, label, alias or number."""

from __future__ import annotations

import re

from conversations.answers.results import Accepted, Parsed, Rejected, normalise_word, quote
from conversations.checklist import AnswerOption, Item

_LIST_SEPARATORS = re.compile(r"[,;\n]")
_AND = re.compile(r"(\s+(?:and|&)\s+)", re.IGNORECASE)
# "2 Attempted attack" or "2) Attempted attack": people copy the numbered list from the hint.
_NUMBERED = re.compile(r"^(\d{1,3})[.)]?\s+(.+)$")


def option_lines(item: Item) -> str:
    return "; ".join(f"{n} {option.label}" for n, option in enumerate(item.options, start=1))


def parse_choice(item: Item, text: str) -> Parsed:
    matches = _matches(item, text)
    if len(matches) == 1:
        return Accepted(matches[0].id, matches[0].label)
    if matches:
        return _ambiguous(item, text, matches)
    return Rejected(
        f"I couldn't match {quote(text)} to an option. Reply with one of: "
        f"{option_lines(item)} (the number is enough)."
    )


def parse_multi_choice(item: Item, text: str) -> Parsed:
    # A label may itself contain a comma or "and" ("Command and control"): try it whole first.
    whole = _matches(item, text)
    if len(whole) == 1:
        return Accepted([whole[0].id], whole[0].label)
    chosen: list[AnswerOption] = []
    for chunk in _LIST_SEPARATORS.split(text):
        if not normalise_word(chunk):
            continue
        resolved = _resolve_chunk(item, chunk)
        if isinstance(resolved, Rejected):
            return resolved
        chosen.extend(resolved)
    if not chosen:
        return Rejected(
            f"I couldn't find an option in that. Pick one or more of: {option_lines(item)}."
        )
    ordered = [option for option in item.options if option in chosen]
    return Accepted([o.id for o in ordered], ", ".join(o.label for o in ordered))


def _resolve_chunk(item: Item, chunk: str) -> list[AnswerOption] | Rejected:
    """One comma-separated part: an option, or options joined by "and" or "&"."""
    tokens = _AND.split(chunk)  # pieces at even positions, the separators between them
    pieces = len(tokens) // 2 + 1
    resolved: list[AnswerOption] = []
    start = 0
    while start < pieces:
        if not normalise_word(tokens[2 * start]):
            start += 1
            continue
        end, words, found = _longest_match(item, tokens, start)
        if len(found) != 1:
            return _ambiguous(item, words, found) if found else _unknown(item, words)
        resolved.append(found[0])
        start = end
    return resolved


def _longest_match(
    item: Item, tokens: list[str], start: int
) -> tuple[int, str, list[AnswerOption]]:
    """The longest run of pieces from `start` that names an option, so "c2 and command and
    control" reads as two options and not as "c2", "command" and "control"."""
    pieces = len(tokens) // 2 + 1
    # No option's name spans more pieces than it has "and"s plus one.
    span = 1 + max(len(_AND.findall(name)) for option in item.options for name in _names(option))
    for end in range(min(pieces, start + span), start + 1, -1):
        words = "".join(tokens[2 * start : 2 * end - 1])
        found = _matches(item, words)
        if found:
            return end, words, found
    return start + 1, tokens[2 * start], _matches(item, tokens[2 * start])


def _matches(item: Item, text: str) -> list[AnswerOption]:
    word = normalise_word(text)
    if not word:
        return []
    if word.isdecimal():
        return _by_number(item, word)
    numbered = _NUMBERED.match(word)
    if numbered is not None:
        # Only when the number and the words agree; otherwise the answer is unclear.
        by_number = _by_number(item, numbered.group(1))
        rest = numbered.group(2)
        return [o for o in by_number if rest in _names(o)]
    return [option for option in item.options if word in _names(option)]


def _by_number(item: Item, digits: str) -> list[AnswerOption]:
    if len(digits) > 3:
        return []
    index = int(digits)
    return [item.options[index - 1]] if 1 <= index <= len(item.options) else []


def _names(option: AnswerOption) -> set[str]:
    return {
        normalise_word(option.id),
        normalise_word(option.label),
        *(normalise_word(alias) for alias in option.aliases),
    }


def _unknown(item: Item, part: str) -> Rejected:
    return Rejected(
        f"I couldn't match {quote(part)} to an option. Pick one or more of: "
        f"{option_lines(item)}, separated by commas (numbers are enough)."
    )


def _ambiguous(item: Item, text: str, matches: list[AnswerOption]) -> Rejected:
    labels = " or ".join(option.label for option in matches)
    return Rejected(
        f"{quote(text)} could mean {labels}. Reply with the number instead: {option_lines(item)}."
    )
