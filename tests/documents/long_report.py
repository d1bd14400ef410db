"""A demo-sized report with every item of the real checklist answered, several people on the
accumulating ones and over a hundred indicators on each IOC item: the preview's long case."""

from __future__ import annotations

from conversations.checklist import AnswerKind, Item, default_checklist
from conversations.state import ReportState
from tests.conversations.harness import Harness
from tests.documents.demo_report import ANALYST, INTEL, LEAD, ML_ENGINEER

PEOPLE = (LEAD, ML_ENGINEER, ANALYST, INTEL)
IOCS_PER_ITEM = 119


def _answer(item: Item, n: int) -> str:
    match item.kind:
        case AnswerKind.TLP:
            return "amber"
        case AnswerKind.CHOICE | AnswerKind.MULTI_CHOICE:
            return item.options[0].label
        case AnswerKind.YES_NO:
            return "yes"
        case AnswerKind.DATETIME:
            return "2026-11-19 22:40 UTC"
        case AnswerKind.NUMBER:
            return "1200"
        case AnswerKind.SEVERITY:
            return "moderate"
        case AnswerKind.CONFIDENCE:
            return "confirmed"
        case AnswerKind.IOCS:
            return " ".join(f"198.51.{n}.{i}" for i in range(1, IOCS_PER_ITEM + 1))
        case AnswerKind.CVES:
            return "CVE-2024-3094, CVE-2023-4863"
        case AnswerKind.TECHNIQUES:
            return "T1566.002, AML.T0051"
        case _:
            sentence = "the support copilot followed instructions hidden in a ticket. "
            return f"Answer {item.number}: " + sentence * 3


def every_item_answered() -> tuple[Harness, ReportState]:
    h = Harness(checklist=default_checklist())
    h.start("Prompt injection in the support copilot", lead=LEAD)
    for n, item in enumerate(h.checklist.items()):
        for person in PEOPLE[: 1 + n % 3] if item.accumulates else PEOPLE[:1]:
            h.say(person, f"{item.number}: {_answer(item, n)}")
    assert h.state is not None
    return h, h.state
