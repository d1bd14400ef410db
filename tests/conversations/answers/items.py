"""Items of every kind for the parser tests, built directly rather than loaded from YAML."""

from __future__ import annotations

from conversations.checklist import KINDS_WITH_OPTIONS, AnswerKind, AnswerOption, Item

OPTIONS = (
    AnswerOption(id="incident", label="Incident", aliases=("breach",)),
    AnswerOption(id="attempted_attack", label="Attempted attack", aliases=("attempt",)),
    AnswerOption(id="command_and_control", label="Command and control", aliases=("c2", "c&c")),
    AnswerOption(id="suspicious", label="Suspicious activity"),
)


def item(kind: AnswerKind, multiple: bool | None = None) -> Item:
    return Item(
        id="section.item",
        number="1.1",
        question="q?",
        help="h",
        kind=kind,
        options=OPTIONS if kind in KINDS_WITH_OPTIONS else (),
        multiple=multiple,
    )
