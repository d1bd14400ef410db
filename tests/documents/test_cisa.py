"""The `cisa` export: the answers arranged as CISA's incident form asks, key elements first."""

from __future__ import annotations

from pathlib import Path

from conversations.key_elements import KEY_ELEMENTS
from documents.assembly import assemble
from documents.cisa import missing_elements, render_cisa
from tests.documents.demo_report import demo_report
from tests.documents.report_fixture import busy_report
from tests.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"


def test_cisa_export_matches_golden_file() -> None:
    h, state = demo_report()
    rendered = render_cisa(assemble(state, h.checklist))
    golden = GOLDEN / "demo.cisa.txt"
    check_golden(golden, rendered)
    lines = rendered.splitlines()
    assert lines[0] == lines[-1] == "TLP:AMBER"
    assert "Initial access vector: not answered [checklist 2.1]" in lines


def test_every_key_element_names_real_checklist_items() -> None:
    h, _ = demo_report()
    for element in KEY_ELEMENTS:
        for item_id in element.item_ids:
            assert h.checklist.find_item(item_id) is not None, item_id


def test_missing_key_elements_are_named() -> None:
    h, state = busy_report()
    report = assemble(state, h.checklist)
    missing = {e.label for e in missing_elements(report)}
    # The busy report answers neither a narrative nor who else was told.
    assert {"What happened", "Who else has been informed"} <= missing
    assert "Missing: " in render_cisa(report)
    demo, demo_state = demo_report()
    assert missing_elements(assemble(demo_state, demo.checklist)) == []
