"""TLP 2.0 labels (FIRST's Traffic Light Protocol, as CISA uses it)."""

from __future__ import annotations

import re

from conversations.answers.results import Accepted, Parsed, Rejected

TLP_LABELS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")

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
TLP_HINT = "Reply clear, green, amber, amber+strict or red."


def parse_tlp(text: str) -> Parsed:
    word = re.sub(r"[\s_\-]+", "", text.strip().lower())
    word = word.removeprefix("tlp").lstrip(":")
    label = _WORDS.get(word)
    if label is None:
        return Rejected(f"That isn't a TLP 2.0 label. {TLP_HINT}")
    if word == "white":
        return Accepted(label, f"{label} (TLP 1.0's WHITE is CLEAR in TLP 2.0)")
    return Accepted(label, label)


def tlp_meaning(label: str) -> str:
    return _MEANINGS.get(label, "")
