"""The preview's pages, read from the assembled report: what they hold, in which order, and
how a long report is split so that every page passes the platform's test."""

from __future__ import annotations

from conversations import actions
from conversations.checklist import default_checklist
from conversations.richtext import to_plain
from documents.assembly import AssembledReport, assemble
from documents.preview import (
    VALUE_MAX,
    Fits,
    PreviewPage,
    cut_value,
    fits_anything,
    page_buttons,
    page_text,
    preview_page,
    preview_pages,
    short_question,
)
from tests.conversations.harness import ALICE, BOB, Harness
from tests.documents.demo_report import demo_report
from tests.documents.long_report import every_item_answered
from tests.documents.report_fixture import busy_report


def busy() -> AssembledReport:
    h, state = busy_report()
    return assemble(state, h.checklist)


def at_most(items: int) -> Fits:
    """A platform that holds `items` answered or missing items per page."""

    def fits(page: PreviewPage) -> bool:
        gaps = sum(len(g.items) for g in (*page.missing_essentials, *page.missing_others))
        return sum(len(s.items) for s in page.sections) + gaps <= items

    return fits


def test_a_page_shows_sections_items_values_authors_and_conflicts() -> None:
    (page,) = preview_pages(busy(), fits_anything)
    assert page.tlp == "TLP:AMBER"
    assert page.tlp_line.startswith("TLP:AMBER — limited disclosure")
    assert page.summary == "6 of 7 items answered (86%) · 1 open conflict"
    assert [s.heading for s in page.sections] == [
        "0. Handling (2/2)",
        "1. Description (2/3)",
        "2. Detection (2/2)",
    ]
    items = {i.number: i for s in page.sections for i in s.items}
    iocs = items["2.1"]
    assert iocs.state == "answered"
    (value,) = iocs.values
    assert value.authors == ("Bob", "Carol")
    assert "198.51.100[.]24" in value.text  # Carol's edit, not her first words
    settled = items["1.3"]
    assert (settled.values[0].text, settled.values[0].authors, settled.settled_by) == (
        "Confirmed",
        ("Bob",),
        "Alice",
    )
    conflict = items["2.2"]
    assert conflict.state == "conflict"
    assert [(v.text, v.authors) for v in conflict.values] == [
        ("about 1,200", ("Dana",)),
        ("5,000", ("Bob",)),
    ]
    assert page.sections[2].assignee == "Dana"
    assert [(g.section, [x.number for x in g.items]) for g in page.missing_others] == [
        ("1. Description", ["1.2"])
    ]
    assert page.missing_others[0].items[0].question == "Which CVEs are involved?"


def test_unanswered_essentials_come_first_with_their_questions() -> None:
    h, state = demo_report()
    (page,) = preview_pages(assemble(state, h.checklist), fits_anything)
    assert page.summary.endswith("essentials 13 of 15")
    missing = [
        (g.section, [(i.number, i.question) for i in g.items]) for g in page.missing_essentials
    ]
    assert missing == [
        (
            "5. Affected users or victims",
            [
                ("5.1", "Who was targeted?"),
                ("5.6", "Which systems or products have users who might be affected?"),
            ],
        )
    ]
    text = to_plain(page_text(page))
    assert text.splitlines()[0] == page.tlp_line  # the TLP label at the top
    assert text.index("Essential items not yet answered") < text.index("0. Handling")
    assert text.index("0. Handling") < text.index("Other items not yet answered")


def test_a_long_report_is_split_into_pages_that_each_pass_the_test() -> None:
    h, state = every_item_answered()
    report = assemble(state, h.checklist)
    fits = at_most(10)
    pages = preview_pages(report, fits)
    assert len(pages) == 7  # 69 items, ten a page
    assert all(fits(page) for page in pages)
    assert [(p.page, p.pages) for p in pages] == [(n, 7) for n in range(1, 8)]
    shown = [i.number for p in pages for s in p.sections for i in s.items]
    assert shown == [i.number for i in default_checklist().items()]  # each once, in order
    # A section split over two pages says so on the second.
    headings = [s.heading for p in pages for s in p.sections]
    assert any(h.endswith("(continued)") for h in headings)
    firsts = [h for h in headings if not h.endswith("(continued)")]
    assert len(firsts) == len(default_checklist().sections)


def test_a_page_past_the_end_is_the_last_and_buttons_carry_report_and_page() -> None:
    h, state = every_item_answered()
    report = assemble(state, h.checklist)
    fits = at_most(30)
    last = preview_page(report, 99, fits)
    assert (last.page, last.pages) == (3, 3)
    assert [(b.action, b.value) for b in page_buttons(last)] == [
        (actions.PREVIEW_PAGE, f"{report.report_id}:2")
    ]
    middle = preview_page(report, 2, fits)
    assert [b.value for b in page_buttons(middle)] == [
        f"{report.report_id}:1",
        f"{report.report_id}:3",
    ]
    assert page_buttons(preview_page(report, 1, fits_anything)) == ()


def test_a_page_reads_the_report_as_it_is_now() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    assert h.state is not None
    before = preview_page(assemble(h.state, h.checklist), 1, fits_anything)
    h.say(BOB, "2.2: 40")
    after = preview_page(assemble(h.state, h.checklist), 1, fits_anything)
    numbers = [[i.number for s in p.sections for i in s.items] for p in (before, after)]
    assert numbers == [["0.1"], ["0.1", "2.2"]]


def test_long_values_and_questions_are_cut_at_a_word() -> None:
    text = "word " * 400
    shown, omitted = cut_value(text)
    assert len(shown) <= VALUE_MAX + 2
    assert shown.endswith("word …")
    assert omitted == len(text) - len(shown) + 2
    assert cut_value("short") == ("short", 0)
    question = "Has the C2 infrastructure shown up in earlier attacks, and where? " * 3
    cut = short_question(question)
    assert len(cut) <= 90
    assert cut.endswith("…")
    assert not cut.endswith(" …")
