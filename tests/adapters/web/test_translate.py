"""Browser deliveries → engine events: the translation and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.web.translate import (
    LANE_PREFIX,
    MalformedDelivery,
    delivery_of,
    from_delivery,
    person_id,
    read_delivery,
)
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from conversations.state import Actor


def body(**fields: Any) -> dict[str, Any]:
    return {"id": "d-1", "person": {"name": "Cara Chen"}, "channel": "ai-incidents", **fields}


def test_a_command_in_the_channel_names_its_author_and_mentions() -> None:
    event = from_delivery(
        read_delivery(body(type="say", text="/jcdc  assign 4 @Bob Brown", mentions=["Bob  Brown"]))
    )
    assert event == CommandIssued(
        event_id="command:d-1",
        platform="web",
        workspace="playground",
        channel="ai-incidents",
        actor=Actor(id="person:cara-chen", name="Cara Chen"),
        text="assign 4 @Bob Brown",
        mentions=(Actor(id="person:bob-brown", name="Bob Brown"),),
    )


def test_a_reply_in_a_thread_is_a_message_whose_id_is_the_delivery() -> None:
    event = from_delivery(read_delivery(body(type="say", text=" amber ", thread="root-1")))
    assert isinstance(event, MessagePosted)
    assert (event.thread, event.message_id, event.text) == ("root-1", "d-1", "amber")


def test_chatter_outside_a_thread_is_no_event() -> None:
    assert from_delivery(read_delivery(body(type="say", text="hello all"))) is None


def test_the_same_name_is_the_same_person_whatever_its_case_and_spacing() -> None:
    assert person_id("Lena  Lead") == person_id(" lena lead") == "person:lena-lead"


def test_edits_deletions_presses_and_forms() -> None:
    edit = from_delivery(
        read_delivery(body(type="edit", thread="r", message_id="m-1", text="new text"))
    )
    assert isinstance(edit, MessageEdited)
    assert (edit.event_id, edit.message_id, edit.text) == ("edit:d-1", "m-1", "new text")
    delete = from_delivery(read_delivery(body(type="delete", thread="r", message_id="m-1")))
    assert isinstance(delete, MessageDeleted)
    assert delete.message_id == "m-1"
    press = from_delivery(
        read_delivery(body(type="press", action="open_form", value="rep:description", thread="r"))
    )
    assert isinstance(press, ButtonPressed)
    assert (press.action, press.value, press.thread) == ("open_form", "rep:description", "r")
    form = from_delivery(
        read_delivery(
            body(
                type="form",
                report_id="rep",
                section_id="description",
                values={"description.cves": " CVE-2026-1 "},
            )
        )
    )
    assert isinstance(form, FormSubmitted)
    assert (form.report_id, form.section_id) == ("rep", "description")
    assert form.values == {"description.cves": "CVE-2026-1"}


def test_a_delivery_for_the_inbox_keeps_the_body_and_its_lane() -> None:
    delivery = delivery_of(body(type="say", text="/jcdc new X"))
    assert delivery.platform == "web"
    assert delivery.delivery_id == "d-1"
    assert delivery.lane == f"{LANE_PREFIX}ai-incidents"
    assert read_delivery(delivery.payload) == read_delivery(body(type="say", text="/jcdc new X"))


@pytest.mark.parametrize(
    "bad",
    [
        {},
        body(type="shout", text="x"),
        body(type="say"),
        body(type="say", text="x", extra=1),
        body(type="say", text="x", thread="has spaces"),
        {**body(type="say", text="x"), "id": "x" * 65},
        {**body(type="say", text="x"), "person": {"name": "  "}},
        {**body(type="say", text="x"), "person": {"name": "n" * 81}},
        body(type="say", text="x" * 20_001),
        body(type="form", report_id="r", section_id="s", values={"a": 1}),
        body(type="press", action="a" * 256),
    ],
)
def test_what_the_page_would_not_send_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(MalformedDelivery):
        delivery_of(bad)


def test_a_press_names_the_record_it_was_on_a_notice_as_private() -> None:
    """A press on a thread post can retire that post; one on a private notice can have the
    notice replaced (Record / Just talk), as Slack's response_url and Teams' card id do."""
    on_post = from_delivery(
        read_delivery(body(type="press", action="confirm_send", thread="r", message_id="post-1"))
    )
    assert isinstance(on_post, ButtonPressed)
    assert (on_post.message_id, on_post.private_reply) == ("post-1", None)
    on_notice = from_delivery(
        read_delivery(body(type="press", action="just_talk", thread="r", message_id="notice-1"))
    )
    assert isinstance(on_notice, ButtonPressed)
    assert (on_notice.message_id, on_notice.private_reply) == (None, "notice-1")
    neither = from_delivery(read_delivery(body(type="press", action="send", thread="r")))
    assert isinstance(neither, ButtonPressed)
    assert (neither.message_id, neither.private_reply) == (None, None)
