"""Reading what a stranger posted: JSON and form bodies that are read within limits or refused.

Anyone who can reach the bot's endpoints can send bytes; only after reading them can the
signature or token be checked. `json.loads` alone is not safe for that: deep nesting raises
RecursionError (or worse, exhausts the C stack), `NaN`, `Infinity` and `1e999` give floats
no database or JSON writer downstream accepts, and escaped lone surrogates (`"\\ud800"`) give
strings that cannot be encoded back to UTF-8. Everything here fails with one exception,
`UnreadableJson`, and a short reason fit for a 400 answer or a log line.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qs

MAX_BYTES = 1024 * 1024
# Slack's and Teams' payloads nest about ten levels deep (a modal's state values, an Adaptive
# Card inside an attachment); 64 leaves room without letting a body exhaust the stack.
MAX_DEPTH = 64
# A slash command has about fifteen fields and an interaction one (`payload`).
MAX_FORM_FIELDS = 100

# A complete JSON string (skipped whole, so brackets inside it do not count) or a bracket.
# The unrolled form `[^"\\]*(?:\\.[^"\\]*)*` runs in linear time on any input.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")


class UnreadableJson(ValueError):
    """The body is not one we read: too big, not UTF-8, too deep, or not (finite) JSON."""


def loads_bounded(
    data: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> object:
    """`json.loads`, refusing (with UnreadableJson) what could hurt the reader or what comes
    after it. Duplicate keys are accepted, the last one wins, as in `json.loads`."""
    text = _text(data, max_bytes)
    _check_depth(text, max_depth)
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnreadableJson:
        raise
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and integers beyond Python's digit limit.
        # RecursionError should be impossible after the depth check; kept as a last guard.
        raise UnreadableJson(f"not JSON: {_short(error)}") from None
    require_unicode(value)
    return value


def form_bounded(
    body: bytes | str, *, max_fields: int = MAX_FORM_FIELDS, max_bytes: int = MAX_BYTES
) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as each key's first value."""
    text = _text(body, max_bytes)
    try:
        # strict_parsing: a segment without `=` is an error rather than silently dropped;
        # errors="strict": a percent-encoded byte that is not UTF-8 is refused, not replaced.
        fields = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=max_fields,
            errors="strict",
        )
    except UnicodeDecodeError:
        raise UnreadableJson("a form value is not UTF-8") from None
    except ValueError as error:
        raise UnreadableJson(f"not a form: {_short(error)}") from None
    return {key: values[0] for key, values in fields.items()}


def _text(data: bytes | str, max_bytes: int) -> str:
    if isinstance(data, str):
        # Every character is at least one byte: the cheap check first.
        if len(data) > max_bytes:
            raise UnreadableJson(f"larger than {max_bytes} bytes")
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError:
            raise UnreadableJson("not UTF-8") from None
        if size > max_bytes:
            raise UnreadableJson(f"larger than {max_bytes} bytes")
        return data
    if len(data) > max_bytes:
        raise UnreadableJson(f"larger than {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableJson("not UTF-8") from None


def _check_depth(text: str, max_depth: int) -> None:
    """Count open brackets outside strings, without recursion, before the parser sees them."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > max_depth:
                raise UnreadableJson(f"nested deeper than {max_depth}")
        elif token in "]}":
            # Unbalanced closers are the parser's to refuse; never let depth go negative,
            # or `]]]]` could buy room for deeper nesting after it.
            depth = max(depth - 1, 0)


def require_unicode(value: object) -> None:
    """Refuse strings (dict keys included, in lists and tuples) that are not valid Unicode:
    JSON can spell a lone surrogate as `\\ud800`, and no UTF-8 encoder (PostgreSQL's
    included) accepts it. Raises UnreadableJson."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            _encodable(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _encodable(key)
                pending.append(inner)
        elif isinstance(item, list | tuple):
            pending.extend(item)


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnreadableJson("a string is not valid Unicode") from None


def _refuse_constant(name: str) -> object:
    raise UnreadableJson(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise UnreadableJson(f"{literal[:20]} is out of range")
    return number


def _short(error: BaseException) -> str:
    return str(error).split("\n", 1)[0][:120]
