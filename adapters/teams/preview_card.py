"""A preview page (documents.preview) as an Adaptive Card. Pure.

The TLP line first, colored as on the root card, then the title, the counts as a FactSet
(the bot's own words and numbers only: FactSet values are Markdown in Teams), the essentials
still missing, per section a Container with a heading and per item its number and question in
bold, the value and who gave it. Every text that came from a person is a TextRun, which Teams
shows literally (see cards.py).

Teams refuses messages over about 28 KB. A page is filled while its card, serialised with
every non-ASCII character escaped (the largest form it can take on the wire), stays within
20,000 bytes: room for the activity envelope, the report's name and the link back to the
thread that a personal chat adds. Previous / Next are Action.Submit buttons whose data is the
report id and the page, so a click re-renders that page from the current report.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.cards import (
    _TLP_COLORS,
    ActivityDict,
    card,
    card_activity,
    run,
    submit_action,
)
from documents.preview import PreviewGaps, PreviewItem, PreviewPage, page_buttons

CARD_MAX_BYTES = 20_000
_SUMMARY_MAX = 200

Element = dict[str, Any]


def _line(*inlines: Element, **extra: Any) -> Element:
    return {"type": "RichTextBlock", "inlines": list(inlines), **extra}


def _gaps(groups: tuple[PreviewGaps, ...]) -> list[Element]:
    if not groups:
        return []
    items: list[Element] = [_line(run(groups[0].title, weight="Bolder", size="Medium"))]
    for group in groups:
        if not group.essential:
            # The other open items by number, a line per section.
            items.append(_line(run(f"{group.section}: ", weight="Bolder"), run(group.numbers)))
            continue
        items.append(_line(run(group.section, weight="Bolder")))
        items += [_line(run(f"{gap.number}  {gap.question}")) for gap in group.items]
    return [{"type": "Container", "separator": True, "spacing": "Medium", "items": items}]


def _subtle(text: str) -> Element:
    return _line(run(text, isSubtle=True, size="Small"), spacing="None")


def _item(item: PreviewItem) -> list[Element]:
    elements = [_line(run(f"{item.number}  {item.question}", weight="Bolder"))]
    if item.state == "skipped":
        return [*elements, _line(run("Skipped by the team.", italic=True), spacing="None")]
    if item.state == "conflict":
        elements.append(
            _line(
                run("Conflicting answers, not yet settled:", weight="Bolder", color="Attention"),
                spacing="None",
            )
        )
        for n, value in enumerate(item.values, start=1):
            elements.append(_line(run(f"{n}) "), run(value.text), spacing="None"))
            elements.append(_subtle(f"From {', '.join(value.authors)}"))
        elements.append(
            _subtle(f"The lead settles it: @JCDC resolve {item.number} <1-{len(item.values)}>")
        )
        return elements
    for value in item.values:
        elements.append(_line(run(value.text), spacing="None"))
        notes = [f"From {', '.join(value.authors) or 'no one named'}"]
        if value.omitted:
            notes.append(f"{value.omitted} more characters in the e-mail")
        if item.settled_by is not None:
            notes.append(f"settled by {item.settled_by}")
        elements.append(_subtle(" · ".join(notes)))
    return elements


def _facts(page: PreviewPage) -> Element:
    # The bot's own words and numbers: nothing a person typed goes into a FactSet.
    facts = [{"title": "State", "value": page.status}, {"title": "Progress", "value": page.summary}]
    if page.pages > 1:
        facts.append({"title": "Page", "value": f"{page.page} of {page.pages}"})
    return {"type": "FactSet", "facts": facts}


def _buttons(page: PreviewPage) -> list[Element]:
    return [submit_action(b, page.report_id) for b in page_buttons(page)]


def preview_card(page: PreviewPage) -> dict[str, Any]:
    tlp_style: dict[str, Any] = {"weight": "Bolder", "fontType": "Monospace"}
    if page.tlp in _TLP_COLORS:
        tlp_style["color"] = _TLP_COLORS[page.tlp]
    meaning = page.tlp_line.removeprefix(page.tlp)
    body: list[Element] = [
        _line(run(page.tlp, **tlp_style), run(meaning)),
        _line(run("Preview: ", size="Large", weight="Bolder"), run(page.title, size="Large")),
        _facts(page),
        *_gaps(page.missing_essentials),
    ]
    for section in page.sections:
        items = [_line(run(section.heading, weight="Bolder", size="Medium"))]
        if section.assignee is not None and not section.continued:
            items.append(_subtle(f"Assigned to {section.assignee}"))
        for item in section.items:
            items += _item(item)
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
    body += _gaps(page.missing_others)
    return card(body, _buttons(page))


def preview_activity(page: PreviewPage) -> ActivityDict:
    where = f" ({page.position})" if page.pages > 1 else ""
    summary = f"{page.tlp} Preview of {page.title}{where}"
    return card_activity(preview_card(page), summary[:_SUMMARY_MAX])


def card_bytes(content: dict[str, Any]) -> int:
    """The card's size at its largest on the wire (every non-ASCII character escaped)."""
    return len(json.dumps(content, ensure_ascii=True).encode("ascii"))


def fits(page: PreviewPage) -> bool:
    return card_bytes(preview_card(page)) <= CARD_MAX_BYTES
