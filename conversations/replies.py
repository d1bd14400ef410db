"""Reading thread replies: `N.M: answer` direct answers and `//` side remarks."""

from __future__ import annotations

import re
from dataclasses import dataclass

# `4.2: answer` or `4.2 = answer`, anywhere in the thread.
_DIRECT_ANSWER = re.compile(r"^\s*(\d{1,2}\.\d{1,2})\s*[:=]\s*(.*)$", re.DOTALL)
# A reply starting with this is side conversation, never an answer.
SIDE_REMARK_PREFIX = "//"


@dataclass(frozen=True)
class DirectAnswer:
    number: str
    text: str


def parse_direct_answer(text: str) -> DirectAnswer | None:
    match = _DIRECT_ANSWER.match(text)
    if match is None:
        return None
    return DirectAnswer(match.group(1), match.group(2).strip())


def is_side_remark(text: str) -> bool:
    return text.lstrip().startswith(SIDE_REMARK_PREFIX)
