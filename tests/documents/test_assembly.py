"""Assembly: contributions from many responders become one typed report."""

from __future__ import annotations

from datetime import timedelta

from conversations.checklist import AnswerKind, Checklist, Item, Section
from conversations.merge import ItemStatus, merge_report, merged_display
from conversations.state import Actor, ReportState, Resolution
from documents.assembly import assemble
from tests.conversations.harness import ALICE, BOB, CAROL, DANA, Harness
from tests.conversations.test_merged_display import T0, answer
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
    assert [a.display for a in confidence.alternatives] == ["Confirmed", "Speculative"]

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


def test_the_report_and_the_thread_show_the_same_merged_answer() -> None:
    h = Harness()
    h.start()
    h.say(BOB, "1.2: CVE-2024-3094")
    h.say(CAROL, "1.2: CVE-2024-3094 CVE-2023-1234")
    h.say(BOB, "0.2: Example Corp")
    h.say(CAROL, "0.2: Example Corp's SOC")
    assert h.state is not None
    report = assemble(h.state, h.checklist)
    merge = merge_report(h.state, h.checklist, h.policy.default_tlp)
    for item_id in ("description.cves", "handling.org", "description.confidence"):
        assembled = report.item(item_id)
        assert assembled is not None
        assert assembled.display == merged_display(merge.item(item_id))
    cves = report.item("description.cves")
    assert cves is not None
    assert cves.display == "CVE-2024-3094, CVE-2023-1234"


def test_the_report_shows_only_the_settled_single_text() -> None:
    item = Item(
        id="x.summary",
        number="9.1",
        question="One line?",
        help="One.",
        kind=AnswerKind.TEXT,
        multiple=False,
    )
    checklist = Checklist(
        version="t",
        title="t",
        source="t",
        sections=(Section(id="x", number=9, title="X", intro="X.", items=(item,)),),
    )
    lead = Actor(id="U9", name="Lead")
    state = ReportState(
        id="r",
        platform="test",
        channel="C",
        title="T",
        lead=lead,
        created_at=T0,
        updated_at=T0,
        checklist_version="t",
        contributions=(answer(item, 1, "Prompt injection"), answer(item, 2, "Data poisoning")),
        resolutions=(
            Resolution(
                item_id=item.id, value="Data poisoning", by=lead, at=T0 + timedelta(hours=1)
            ),
        ),
    )
    assembled = assemble(state, checklist).item(item.id)
    assert assembled is not None
    assert assembled.display == "Data poisoning"
    assert [e.display for e in assembled.entries] == ["Prompt injection", "Data poisoning"]
