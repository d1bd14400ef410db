"""TLP 2.0 labels (FIRST's Traffic Light Protocol, as CISA uses it)."""

from __future__ import annotations

import re

from conversations.answers.results import Accepted, Parsed, Rejected, quote

TLP_LABELS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")
TLP_HINT = "Reply clear, green, amber, amber+strict or red (the TLP 2.0 labels)."

# In our own words; the authoritative definitions are FIRST's TLP 2.0 standard.
_MEANINGS = {
    "TLP:CLEAR": "Disclosure is not limited; the information may be shared publicly.",
    "TLP:GREEN": "Limited disclosure: recipients may share it within their community, "
    "not publicly.",
    "TLP:AMBER": "Limited disclosure: recipients may share it only within their organisation "
    "and with its clients, on a need-to-know basis.",
    "TLP:AMBER+STRICT": "Limited disclosure: recipients may share it only within their own "
    "organisation, on a need-to-know basis.",
    "TLP:RED": "For the named recipients only; no further disclosure.",
}
_WORDS = {
    "clear": "TLP:CLEAR",
    "white": "TLP:CLEAR",  # TLP 1.0's WHITE became CLEAR in TLP 2.0
    "green": "TLP:GREEN",
    "amber": "TLP:AMBER",
    "amber+strict": "TLP:AMBER+STRICT",
    "amberstrict": "TLP:AMBER+STRICT",
    "red": "TLP:RED",
}
_SPACING = re.compile(r"[\s_\-]+")
_EDGES = ".,;:!?'\"()[]*`"


def parse_tlp(text: str) -> Parsed:
    word = _word(text)
    label = _WORDS.get(word)
    if label is None:
        return Rejected(f"{quote(text)} isn't a TLP 2.0 label. {TLP_HINT}")
    if word == "white":
        return Accepted(label, f"{label} (TLP 1.0's WHITE is called CLEAR in TLP 2.0)")
    return Accepted(label, label)


def tlp_meaning(label: str) -> str:
    """What a label allows recipients to do, in one sentence; any spelling parse_tlp accepts."""
    canonical = _WORDS.get(_word(label))
    if canonical is None:
        raise ValueError(f"{label!r} is not a TLP 2.0 label; use one of {', '.join(TLP_LABELS)}")
    return _MEANINGS[canonical]


def _word(text: str) -> str:
    word = _SPACING.sub("", text.strip().strip(_EDGES).casefold())
    return word.removeprefix("tlp").lstrip(":").strip(_EDGES)
