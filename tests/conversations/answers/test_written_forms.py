"""The matcher of an indicator as people write it (conversations.answers.notes.WrittenForms)
finds and replaces exactly what the pattern it stands in for does, without compiling one."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conversations.answers import notes
from conversations.answers.notes import WrittenForms, _written_forms

# Pieces of values and texts: dots and at signs in every written form, schemes live and
# defanged in any case, brackets that form nothing, backslashes, and non-ASCII letters that
# case folding relates to ASCII ones (the Kelvin sign, the long s, dotless i).
_PIECES = [
    "evil", "Evil", "EXAMPLE", "a", ".", "@", "[.]", "(.)", "{.}", "[dot]", "[DOT]", "[@]",
    "(@)", "[at]", "[", "]", "(", "{", "http", "HTTP", "hxxp", "hXXp", "htxp", "hxtp", "s",
    "://", "/x", " ", ",", "\\", "\\1", "é", "\u212a", "\u017f", "\u0131", "k", "i", "-",
]  # fmt: skip
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=10).map("".join)
_VALUES = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map("".join)


def by_pattern(value: str, replacement: str, text: str) -> str:
    return _written_forms(value).sub(replacement.replace("\\", "\\\\"), text)


@settings(max_examples=1500, deadline=None)
@given(value=_VALUES, text=_TEXTS, replacement=st.sampled_from([" ", "x[.]y", "a\\1b", ""]))
@example(value="http://evil.example/x", text="see hXxP://evil[.]example/x and", replacement=" ")
@example(value="bad@evil.example", text="mail BAD[at]evil(.)EXAMPLE now", replacement="-")
@example(value="a.b", text="a.b.a[.]ba{.}b", replacement="\\")
def test_the_matcher_replaces_what_the_pattern_replaces(
    value: str, text: str, replacement: str
) -> None:
    assert WrittenForms(value).sub(replacement, text) == by_pattern(value, replacement, text)


def test_ascii_answers_compile_no_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []

    def counting(value: str) -> re.Pattern[str]:
        compiled.append(value)
        return _written_forms(value)

    monkeypatch.setattr(notes, "_written_forms", counting)
    note = notes._indicator_note(
        "exfil to evil7[.]example from 198.51.100.7 via hxxps://evil7.example/x",
        [
            {"type": "domain", "value": "evil7.example"},
            {"type": "ipv4", "value": "198.51.100.7"},
            {"type": "url", "value": "https://evil7.example/x"},
        ],
    )
    assert note == "exfil to evil7[.]example from 198.51.100[.]7 via hxxps://evil7[.]example/x"
    assert compiled == []
