"""Hypothesis strategies for fuzzing the translators: arbitrary JSON-like values, and real
payloads with keys dropped and values swapped for other types."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from conversations.events import Event

# Each property test stays within a few seconds.
FUZZ = settings(max_examples=200, deadline=None)

# Text as it may arrive: mostly ordinary, sometimes markup, sometimes a lone surrogate (which
# json.loads produces from `"\ud800"`, though safe_json refuses it).
texts = (
    st.text(max_size=12)
    | st.sampled_from(["", "message", "<@U1|x>", "&amp;", "<p>x</p>", "1700000000.000100"])
    | st.sampled_from(["\ud800", "x\udfff<p>"])
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)


def json_like(keys: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Any JSON-like value; objects favour `keys` (the fields the translators read) so that
    the fuzzing reaches past the first check."""
    key = st.sampled_from(list(keys)) | st.text(max_size=6) if keys else st.text(max_size=6)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=5),
        max_leaves=12,
    )


def objects(keys: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Any JSON-like object, keys favouring `keys`."""
    return st.dictionaries(st.sampled_from(list(keys)) | st.text(max_size=6), json_like(keys))


def _other_than(value: Any) -> st.SearchStrategy[Any]:
    """Another value: of another type, or (for text, where markup and odd characters
    matter) other text."""
    other_type = json_like().filter(lambda other: type(other) is not type(value))
    return other_type | texts if isinstance(value, str) else other_type


@st.composite
def _mutate_once(draw: st.DrawFn, value: Any) -> Any:
    """Walk down from `value`; somewhere on the way drop a key, or swap a value for another
    (see `_other_than`)."""
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        choice = draw(st.sampled_from(["descend", "descend", "drop", "swap"]))
        if choice == "descend":
            value[key] = draw(_mutate_once(value[key]))
        elif choice == "drop":
            del value[key]
        else:
            value[key] = draw(_other_than(value[key]))
        return value
    if isinstance(value, list) and value:
        index = draw(st.integers(min_value=0, max_value=len(value) - 1))
        choice = draw(st.sampled_from(["descend", "drop", "swap"]))
        if choice == "descend":
            value[index] = draw(_mutate_once(value[index]))
        elif choice == "drop":
            del value[index]
        else:
            value[index] = draw(_other_than(value[index]))
        return value
    return draw(_other_than(value))


@st.composite
def mutated(draw: st.DrawFn, payload: Any, most: int = 3) -> Any:
    """`payload` (left untouched) with up to `most` mutations."""
    value = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=0, max_value=most))):
        value = draw(_mutate_once(value))
    return value


_EVENT = TypeAdapter(Event)


def assert_valid_event(event: object) -> None:
    """A translated event is a valid engine Event: it survives a round trip through the
    discriminated union the engine and the storage use, and its text is a str."""
    again = _EVENT.validate_python(_EVENT.dump_python(event))  # type: ignore[arg-type]
    assert again == event
    text = getattr(event, "text", "")
    assert isinstance(text, str)
