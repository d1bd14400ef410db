"""TLP 2.0 labels: spellings accepted, TLP 1.0's WHITE mapped, meanings in one line."""

from __future__ import annotations

import pytest

from conversations.answers import TLP_LABELS, Accepted, Rejected, parse_answer, tlp_meaning
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

TLP = item(AnswerKind.TLP)


def test_labels_in_order() -> None:
    assert TLP_LABELS == ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("amber", "TLP:AMBER"),
        ("AMBER", "TLP:AMBER"),
        ("tlp amber", "TLP:AMBER"),
        ("TLP: AMBER", "TLP:AMBER"),
        ("TLP:AMBER.", "TLP:AMBER"),
        ("tlp-amber", "TLP:AMBER"),
        ("amber+strict", "TLP:AMBER+STRICT"),
        ("Amber strict", "TLP:AMBER+STRICT"),
        ("TLP:AMBER + STRICT", "TLP:AMBER+STRICT"),
        ("clear", "TLP:CLEAR"),
        ("green", "TLP:GREEN"),
        ("*red*", "TLP:RED"),
        ("TLP:RED", "TLP:RED"),
    ],
)
def test_tlp_accepts(text: str, value: str) -> None:
    assert parse_answer(TLP, text) == Accepted(value, value)


def test_white_is_mapped_to_clear_and_says_so() -> None:
    parsed = parse_answer(TLP, "TLP:WHITE")
    assert isinstance(parsed, Accepted)
    assert parsed.value == "TLP:CLEAR"
    assert "WHITE is called CLEAR in TLP 2.0" in parsed.display


@pytest.mark.parametrize("text", ["purple", "tlp", "amber red", "strict"])
def test_tlp_rejects(text: str) -> None:
    parsed = parse_answer(TLP, text)
    assert isinstance(parsed, Rejected)
    assert "clear, green, amber, amber+strict or red" in parsed.reason


def test_every_label_has_its_own_meaning() -> None:
    meanings = [tlp_meaning(label) for label in TLP_LABELS]
    assert len(set(meanings)) == len(TLP_LABELS)
    assert all(m.endswith(".") for m in meanings)
    assert "organisation and with its clients" in tlp_meaning("TLP:AMBER")
    assert "only within their own organisation," in tlp_meaning("TLP:AMBER+STRICT")
    assert tlp_meaning("amber") == tlp_meaning("TLP:AMBER")


def test_meaning_of_something_else_fails_loudly() -> None:
    with pytest.raises(ValueError, match=r"not a TLP 2\.0 label"):
        tlp_meaning("TLP:PURPLE")
