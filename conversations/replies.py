"""Reading thread replies: `N.M: answer` direct answers and `//` side remarks."""

from __future__ import annotations

import re
from dataclasses import dataclass

# `4.2: answer`, `4.2 = answer`, `4.2) answer` or `4.2 - answer`, anywhere in the thread.
_DIRECT_ANSWER = re.compile(
    r"^\s*(\d{1,2}\.\d{1,2})\s*(?:[:=)]|[-\u2013\u2014]\s)\s*(.*)$", re.DOTALL
)
# `4.2 OpenAI`: the number, a space, then a word. Loose: "3.5 million" to a number question
# reads the same way, so the engine takes it as a direct answer only where that is safe.
_LOOSE_DIRECT_ANSWER = re.compile(r"^\s*(\d{1,2}\.\d{1,2})\s+([^\W\d_].*)$", re.DOTALL)
# A reply starting with this is side conversation, never an answer.
SIDE_REMARK_PREFIX = "//"


@dataclass(frozen=True)
class DirectAnswer:
    number: str
    text: str
    # Written without a separator (`4.2 OpenAI`).
    loose: bool = False


def parse_direct_answer(text: str) -> DirectAnswer | None:
    match = _DIRECT_ANSWER.match(text)
    if match is not None:
        return DirectAnswer(match.group(1), match.group(2).strip())
    match = _LOOSE_DIRECT_ANSWER.match(text)
    if match is not None:
        return DirectAnswer(match.group(1), match.group(2).strip(), loose=True)
    return None


def is_side_remark(text: str) -> bool:
    return text.lstrip().startswith(SIDE_REMARK_PREFIX)
