"""Assembly: contributions from many responders become one typed report."""

from __future__ import annotations

from conversations.merge import ItemStatus
from documents.assembly import assemble
from tests.conversations.harness import ALICE, BOB, CAROL, DANA
from tests.documents.report_fixture import busy_report


def test_assembled_report_has_answers_contributors_conflicts_and_completeness() -> None:
    h, state = busy_report()
    report = assemble(state, h.checklist)
    items = {item.number: item for section in report.sections for item in section.items}

    assert report.tlp == "TLP:AMBER"
    assert report.title == state.title
    assert report.lead == ALICE
    assert report.completeness.total == 7
    assert report.completeness.answered == 6
    assert report.completeness.missing == ("1.2",)
    assert report.completeness.open_conflicts == ("2.2",)

    confidence = items["1.3"]
    assert confidence.status is ItemStatus.ANSWERED
    assert confidence.value == "confirmed"
    assert confidence.resolution is not None
    assert confidence.resolution.by == ALICE
    assert [a.display for a in confidence.alternatives] == ["confirmed", "speculative"]

    users = items["2.2"]
    assert users.status is ItemStatus.CONFLICT
    assert users.value is None
    assert [a.authors for a in users.alternatives] == [(DANA,), (BOB,)]

    iocs = items["2.1"]
    assert [e.author for e in iocs.entries] == [BOB, CAROL]
    assert iocs.entries[1].edited_at is not None
    assert {"type": "ipv4", "value": "198.51.100.24"} in iocs.value  # type: ignore[operator]
    assert {"type": "ipv4", "value": "198.51.100.23"} not in iocs.value  # type: ignore[operator]

    assert items["1.2"].status is ItemStatus.MISSING  # Dana's answer was deleted
    assert [(c.actor, c.contributions) for c in report.contributors] == [
        (BOB, 4),
        (CAROL, 3),
        (ALICE, 1),
        (DANA, 1),
    ]
    assert report.sections[2].assignee == DANA


def test_assembly_is_deterministic() -> None:
    h, state = busy_report()
    assert assemble(state, h.checklist) == assemble(state, h.checklist)
