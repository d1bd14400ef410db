"""The preview in the browser playground and the memory chat: private by default, a thread
post when shared, and the same sections, answers and authors as on Slack and Teams."""

from __future__ import annotations

from adapters.memory import MemoryChat
from adapters.web import Hub, WebChat
from conversations.effects import ShowPreview
from conversations.state import Actor
from documents.assembly import assemble
from documents.preview import PreviewPage
from tests.documents.report_fixture import busy_report

LENA = Actor(id="U_ALICE", name="Alice")
BOB = Actor(id="person:bob", name="Bob")


def effect(user: Actor, *, here: bool = False, page: int = 1) -> ShowPreview:
    return ShowPreview(
        report_id="rep", channel="c", thread="root-1", user=user, here=here, page=page
    )


async def test_the_web_preview_is_private_and_reads_as_sections_answers_and_authors() -> None:
    h, state = busy_report()
    hub = Hub()
    await WebChat(hub).show_preview(effect(BOB), assemble(state, h.checklist))
    assert hub.records(LENA.id) == []
    (record,) = hub.records(BOB.id)
    assert (record["kind"], record["to"]) == ("preview", BOB.id)
    lines = record["text"].splitlines()
    assert lines[0].startswith("TLP:AMBER — limited disclosure")
    assert "2. Detection (2/2)" in lines
    assert "Conflicting answers (the lead settles them):" in lines
    assert "1) about 1,200 — Dana" in lines
    assert "Confirmed — Bob · settled by Alice" in lines


async def test_a_shared_web_preview_is_a_thread_post_everyone_sees() -> None:
    h, state = busy_report()
    hub = Hub()
    await WebChat(hub).show_preview(effect(LENA, here=True), assemble(state, h.checklist))
    (record,) = hub.records("person:anyone")
    assert (record["kind"], record["thread"]) == ("post", "root-1")
    assert "to" not in record
    # What a person typed stays a `user` span: the page sets it as text.
    assert {"style": "user", "text": "Prompt injection in <support> copilot *urgent*"} in record[
        "spans"
    ]


async def test_the_memory_chat_pages_when_told_to_and_says_who_sees_it() -> None:
    h, state = busy_report()
    report = assemble(state, h.checklist)

    def two_items(page: PreviewPage) -> bool:
        return sum(len(s.items) for s in page.sections) <= 2

    chat = MemoryChat(preview_fits=two_items)
    await chat.show_preview(effect(BOB, page=2), report)
    await chat.show_preview(effect(LENA, here=True), report)
    private, shared = chat.transcript
    assert (private.kind, private.audience, shared.audience) == ("preview", "only Bob", "thread")
    assert "Page 2 of 3" in private.text
    assert "1. Description (2/3)" in private.text
    assert [b.value for b in private.buttons] == [f"{report.report_id}:1", f"{report.report_id}:3"]
