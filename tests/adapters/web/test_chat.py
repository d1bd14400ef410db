"""Effects → page records, and who sees them: the chat port and the hub, without HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from adapters.web import Hub, WebChat
from conversations.checklist import AnswerKind
from conversations.effects import (
    Button,
    Choice,
    Ephemeral,
    FormField,
    FormRejected,
    OpenForm,
    Post,
    PostRoot,
    ReplacePrivate,
    RootCard,
    SectionForm,
    SectionProgress,
    UpdateRoot,
)
from conversations.richtext import code, command_ref, mention, rich, user_text
from conversations.state import Actor

LENA = Actor(id="person:lena-lead", name="Lena Lead")
BOB = Actor(id="person:bob", name="Bob")


def card(answered: int = 0) -> RootCard:
    return RootCard(
        report_id="rep",
        title="Prompt injection",
        tlp="TLP:AMBER",
        lead=LENA,
        status="open",
        answered=answered,
        total=4,
        sections=(
            SectionProgress(section_id="handling", number=0, title="Handling", answered=0, total=4),
        ),
        open_conflicts=("0.3",),
        buttons=(Button(action="send", label="Send", value="rep", style="primary"),),
    )


async def test_root_card_posts_and_updates_are_one_record_seen_by_everyone() -> None:
    hub = Hub()
    chat = WebChat(hub)
    root = await chat.post_root(PostRoot(report_id="rep", channel="c", card=card()))
    await chat.update_root(UpdateRoot(channel="c", message_id=root, card=card(answered=2)))
    (record,) = hub.records("person:anyone")
    assert record["id"] == root
    assert record["kind"] == "root"
    assert record["card"]["answered"] == 2
    assert record["card"]["open_conflicts"] == ["0.3"]
    assert record["card"]["buttons"] == [
        {"action": "send", "label": "Send", "value": "rep", "style": "primary"}
    ]


async def test_a_post_keeps_its_spans_styled_and_commands_read_as_typed_here() -> None:
    hub = Hub()
    chat = WebChat(hub)
    text = rich("Thanks ", mention(BOB.id, "Bob"), ": ", user_text("<b>x</b>"), " — try ")
    post_id = await chat.post(
        Post(channel="c", thread="root-1", text=(*text, command_ref("status"), code("4.2")))
    )
    (record,) = hub.records()
    assert record["id"] == post_id
    assert (record["kind"], record["thread"]) == ("post", "root-1")
    assert record["spans"] == [
        {"style": "plain", "text": "Thanks "},
        {"style": "mention", "text": "Bob"},
        {"style": "plain", "text": ": "},
        # Left as typed: the page sets it as text, never as HTML.
        {"style": "user", "text": "<b>x</b>"},
        {"style": "plain", "text": " — try "},
        {"style": "command", "text": "/jcdc status"},
        {"style": "code", "text": "4.2"},
    ]


async def test_notices_forms_and_form_errors_reach_only_their_person() -> None:
    hub = Hub()
    chat = WebChat(hub)
    await chat.ephemeral(Ephemeral(channel="c", thread="root-1", user=BOB, text=rich("only Bob")))
    form = SectionForm(
        report_id="rep",
        section_id="description",
        title="Description",
        fields=(
            FormField(
                item_id="description.event_type",
                number="1.1",
                label="Type",
                help="pick one",
                kind=AnswerKind.CHOICE,
                choices=(Choice(value="attack", label="An attack"),),
                selected=("attack",),
            ),
        ),
    )
    await chat.open_form(OpenForm(channel="c", user=BOB, trigger=None, form=form))
    await chat.reject_form(FormRejected(user=BOB, errors={"description.event_type": "no"}))
    assert hub.records(LENA.id) == []
    kinds = [(r["kind"], r["to"]) for r in hub.records(BOB.id)]
    assert kinds == [("notice", BOB.id), ("form", BOB.id), ("form_errors", BOB.id)]
    shown_form: dict[str, Any] = hub.records(BOB.id)[1]["form"]
    assert shown_form["fields"][0]["choices"] == [{"value": "attack", "label": "An attack"}]
    assert shown_form["fields"][0]["selected"] == ["attack"]


async def test_a_used_prompt_is_replaced_in_place_for_its_person_only() -> None:
    hub = Hub()
    chat = WebChat(hub)
    prompt = Button(action="just_talk", label="Just talk", value="rep:p1")
    await chat.ephemeral(
        Ephemeral(channel="c", thread="root-1", user=BOB, text=rich("Record?"), buttons=(prompt,))
    )
    (asked,) = hub.records(BOB.id)
    replaced = rich("Not recorded: kept as talk.")
    await chat.replace_private(
        ReplacePrivate(channel="c", user=BOB, reply_to=asked["id"], text=replaced)
    )
    (shown,) = hub.records(BOB.id)  # the same notice, where it was, its buttons gone
    assert (shown["id"], shown["kind"], shown["to"], shown["thread"]) == (
        asked["id"],
        "notice",
        BOB.id,
        "root-1",
    )
    assert [s["text"] for s in shown["spans"]] == ["Not recorded: kept as talk."]
    assert shown["buttons"] == []
    # Someone else's notice is never rewritten: the presser is told anew instead.
    await chat.replace_private(
        ReplacePrivate(channel="c", user=LENA, reply_to=asked["id"], text=rich("Lena's"))
    )
    assert [s["text"] for s in hub.records(BOB.id)[0]["spans"]] == ["Not recorded: kept as talk."]
    (told,) = hub.records(LENA.id)
    assert (told["kind"], told["to"]) == ("notice", LENA.id)
    # A notice the page no longer holds (a restarted playground): told anew, not lost.
    await chat.replace_private(
        ReplacePrivate(channel="c", user=BOB, reply_to="notice-gone", text=rich("still told"))
    )
    assert [r["spans"][0]["text"] for r in hub.records(BOB.id)][-1] == "still told"


async def message(tab: AsyncIterator[dict[str, Any] | None]) -> dict[str, Any]:
    got = await anext(tab)
    assert got is not None
    return got


async def test_each_tab_gets_a_snapshot_then_what_it_may_see_live() -> None:
    hub = Hub()
    chat = WebChat(hub)
    await chat.post(Post(channel="c", thread=None, text=rich("before")))
    bob_tab = hub.follow(BOB.id, quiet_after=0.05)
    lena_tab = hub.follow(LENA.id, quiet_after=0.05)
    bob_snapshot = await message(bob_tab)
    await anext(lena_tab)
    assert [r["spans"][0]["text"] for r in bob_snapshot["records"]] == ["before"]
    await chat.ephemeral(Ephemeral(channel="c", thread=None, user=BOB, text=rich("psst")))
    await chat.post(Post(channel="c", thread=None, text=rich("all")))
    bob_seen = [await message(bob_tab), await message(bob_tab)]
    lena_seen = await message(lena_tab)
    assert [m["record"]["spans"][0]["text"] for m in bob_seen] == ["psst", "all"]
    assert lena_seen["record"]["spans"][0]["text"] == "all"
    # Quiet: a keepalive (None), then the end when the hub closes.
    assert await anext(lena_tab) is None
    hub.close()
    remaining = [m async for m in lena_tab]
    assert remaining in ([], [None])
    await bob_tab.aclose()
    assert hub.tabs() == 0


async def test_a_tab_that_stops_reading_is_dropped_not_buffered_for_ever() -> None:
    hub = Hub()
    tab = hub.follow(BOB.id)
    await anext(tab)
    for n in range(1100):
        hub.publish({"id": f"r{n}", "kind": "post", "thread": None})
    assert hub.tabs() == 0
    # Its stream ends at the next read; the page reconnects and gets a snapshot.
    await asyncio.wait_for(tab.aclose(), 1)
