"""A preview page (documents.preview) as Block Kit.

The TLP line first, as the report opens, then the title as a header, a context line with the
state and the counts, the essentials still missing, per section a header and per item a
`rich_text` block (number and question in bold, the value as literal text: an answer cannot
ping, link or format) with a `context` line naming who gave it, then the other open items.

Long reports are paginated, not split into several messages: one message per preview keeps
the thread quiet when the lead shares it (`preview here`), and Previous / Next buttons carry
the report id and the page, so any click re-renders that page from the current report with no
reader state kept anywhere. A page is filled while `fits` holds: Slack's 50 blocks per
message and 3,000 characters per text, and a reading budget of 12,000 characters so that a
page stays a page on a phone.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks import Block, actions_block, escape
from documents.preview import PreviewGaps, PreviewItem, PreviewPage, PreviewValue, page_buttons

MAX_BLOCKS = 50
TEXT_MAX = 3000
HEADER_MAX = 150
PAGE_TEXT_MAX = 12_000
_CONTEXT_MAX = 2000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(text: str) -> Block:
    text_object = {"type": "plain_text", "text": _cut(text, HEADER_MAX), "emoji": False}
    return {"type": "header", "text": text_object}


def _context(text: str) -> Block:
    element = {"type": "plain_text", "text": _cut(text, _CONTEXT_MAX), "emoji": False}
    return {"type": "context", "elements": [element]}


def _text(text: str, **style: bool) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "text", "text": text}
    if style:
        element["style"] = style
    return element


def _rich(elements: list[dict[str, Any]]) -> Block:
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}


def _gaps(groups: tuple[PreviewGaps, ...]) -> list[Block]:
    if not groups:
        return []
    blocks = [_header(groups[0].title)]
    if not groups[0].essential:
        # The other open items by number, a line per section, all in one block.
        lines: list[dict[str, Any]] = []
        for n, group in enumerate(groups):
            lines += [_text(("\n" if n else "") + group.section + ": ", bold=True)]
            lines.append(_text(group.numbers))
        return [*blocks, _rich(lines)]
    for group in groups:
        elements = [_text(group.section, bold=True)]
        elements += [_text(f"\n{gap.number}  {gap.question}") for gap in group.items]
        blocks.append(_rich(elements))
    return blocks


def _authors(value: PreviewValue) -> str:
    return ", ".join(value.authors) or "no one named"


def _item(item: PreviewItem) -> list[Block]:
    elements = [_text(f"{item.number}  {item.question}", bold=True)]
    notes: list[str] = []
    if item.state == "skipped":
        elements.append(_text("\nSkipped by the team.", italic=True))
    elif item.state == "conflict":
        elements.append(_text("\n⚠ Conflicting answers, not yet settled:", bold=True))
        for n, value in enumerate(item.values, start=1):
            elements += [_text(f"\n{n}) "), _text(value.text), _text(f" — {_authors(value)}")]
        notes.append(f"The lead settles it: /jcdc resolve {item.number} <1-{len(item.values)}>")
    else:
        for value in item.values:
            elements += [_text("\n"), _text(value.text)]
            notes.append(f"From {_authors(value)}")
            if value.omitted:
                notes.append(f"{value.omitted} more characters in the e-mail")
        if item.settled_by is not None:
            notes.append(f"settled by {item.settled_by}")
    blocks = [_rich(elements)]
    if notes:
        blocks.append(_context(" · ".join(notes)))
    return blocks


def _navigation(page: PreviewPage) -> list[Block]:
    buttons = page_buttons(page)
    return [actions_block(buttons)] if buttons else []


def preview_blocks(page: PreviewPage) -> list[Block]:
    state = f"{page.status} · {page.summary}"
    if page.pages > 1:
        state += f" · {page.position}"
    blocks: list[Block] = [
        _context(page.tlp_line),
        _header(f"Preview: {page.title}"),
        _context(state),
        *_gaps(page.missing_essentials),
    ]
    for section in page.sections:
        blocks.append(_header(section.heading))
        if section.assignee is not None and not section.continued:
            blocks.append(_context(f"Assigned to {section.assignee}"))
        for item in section.items:
            blocks += _item(item)
    blocks += _gaps(page.missing_others)
    blocks += _navigation(page)
    return blocks


def preview_fallback(page: PreviewPage) -> str:
    """The notification text: plain, escaped, never a mention or a link."""
    where = f" ({page.position})" if page.pages > 1 else ""
    return escape(_cut(f"{page.tlp} Preview of {page.title}{where}", TEXT_MAX))


def text_length(block: Block) -> int:
    """The characters a block shows (what Slack's per-text limits count)."""
    match block["type"]:
        case "header":
            return len(block["text"]["text"])
        case "context":
            return sum(len(e["text"]) for e in block["elements"])
        case "rich_text":
            return sum(len(e.get("text", "")) for s in block["elements"] for e in s["elements"])
        case _:
            return 0


def fits(page: PreviewPage) -> bool:
    """Whether the page, laid out, is one Slack message within the limits above."""
    blocks = preview_blocks(page)
    lengths = [text_length(block) for block in blocks]
    return (
        len(blocks) <= MAX_BLOCKS
        and all(length <= TEXT_MAX for length in lengths)
        and sum(lengths) <= PAGE_TEXT_MAX
    )
