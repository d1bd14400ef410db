"""Teams activities → engine events."""

from __future__ import annotations

import time

import pytest

from adapters.teams.translate import (
    MAX_MARKUP_CHARS,
    MalformedActivity,
    from_activity,
    plain_text,
    reference_of,
    split_conversation_id,
    thread_conversation_id,
    user_reference_of,
)
from conversations import actions
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from tests.adapters.teams.activities import (
    ALICE,
    BOB,
    BOT_ID,
    CHANNEL,
    DANA,
    TENANT,
    Activities,
)

SERVICE = "https://smba.trafficmanager.net/amer/"


def make() -> Activities:
    return Activities(SERVICE)


def test_conversation_ids_split_and_join() -> None:
    assert split_conversation_id(f"{CHANNEL};messageid=17") == (CHANNEL, "17")
    assert split_conversation_id(CHANNEL) == (CHANNEL, None)
    assert split_conversation_id("a:1personal") == ("a:1personal", None)
    assert thread_conversation_id(CHANNEL, "17") == f"{CHANNEL};messageid=17"
    assert thread_conversation_id(CHANNEL, None) == CHANNEL


def test_new_command_in_a_channel_strips_the_mention_and_markup() -> None:
    activity = make().mention_command(ALICE, "new Prompt injection in support copilot")
    event = from_activity(activity)
    assert isinstance(event, CommandIssued)
    assert event.text == "new Prompt injection in support copilot"
    assert event.platform == "teams"
    assert event.channel == CHANNEL
    # A new top-level post is its own thread root.
    assert event.thread == activity["id"]
    assert event.event_id.startswith("activity:")
    assert event.event_id.endswith(f":{activity['id']}")
    assert (event.actor.id, event.actor.name) == (ALICE.id, ALICE.name)
    assert event.mentions == ()


def test_command_in_a_thread_names_the_thread_and_other_mentions() -> None:
    activities = make()
    activity = activities.mention_command(BOB, "assign 4 <at>Dana Diaz</at>", thread="1000")
    activity["entities"].append(
        {
            "type": "mention",
            "mentioned": {"id": DANA.id, "name": DANA.name},
            "text": "<at>Dana Diaz</at>",
        }
    )
    event = from_activity(activity)
    assert isinstance(event, CommandIssued)
    assert event.thread == "1000"
    assert event.text == "assign 4 @Dana Diaz"
    assert [(m.id, m.name) for m in event.mentions] == [(DANA.id, DANA.name)]


def test_personal_chat_messages_are_commands_without_a_mention() -> None:
    event = from_activity(make().personal_message(ALICE, "a:1xYz", "status"))
    assert isinstance(event, CommandIssued)
    assert (event.channel, event.thread, event.text) == ("a:1xYz", None, "status")


def test_thread_reply_is_an_answer_in_plain_text() -> None:
    activity = make().reply(BOB, "1000", "2.1: 203.0.113.7 &amp; evil[.]example&nbsp;<b>x</b>")
    event = from_activity(activity)
    assert isinstance(event, MessagePosted)
    assert (event.channel, event.thread, event.message_id) == (CHANNEL, "1000", activity["id"])
    assert event.text == "2.1: 203.0.113.7 & evil[.]example x"


def test_top_level_chatter_without_a_mention_is_ignored() -> None:
    activity = make().reply(BOB, "1000", "hello")
    activity["conversation"]["id"] = f"{CHANNEL};messageid={activity['id']}"
    assert from_activity(activity) is None


def test_bots_own_and_other_bots_messages_are_ignored() -> None:
    activities = make()
    own = activities.reply(BOB, "1000", "x")
    own["from"] = {"id": BOT_ID, "name": "JCDC"}
    other = activities.reply(BOB, "1000", "x")
    other["from"] = {"id": "28:another-bot", "name": "Other"}
    emulated = activities.reply(BOB, "1000", "x")
    emulated["from"] = {"id": "b1", "name": "Bot", "role": "bot"}
    assert [from_activity(a) for a in (own, other, emulated)] == [None, None, None]


def test_edit_and_soft_delete() -> None:
    activities = make()
    edit = activities.edit(BOB, "1000", "1500", "2.1: 198.51.100.1")
    edited = from_activity(edit)
    assert isinstance(edited, MessageEdited)
    assert (edited.message_id, edited.thread, edited.text) == ("1500", "1000", "2.1: 198.51.100.1")
    # Not the id of the message's first delivery, and another edit gets another id.
    assert edited.event_id != "activity:1500"
    again = from_activity(activities.edit(BOB, "1000", "1500", "2.1: 198.51.100.2"))
    assert again is not None
    assert again.event_id != edited.event_id
    # A re-delivery of the same edit keeps its id.
    redelivered = from_activity(edit)
    assert redelivered is not None
    assert redelivered.event_id == edited.event_id
    deleted = from_activity(activities.delete(BOB, "1000", "1500"))
    assert isinstance(deleted, MessageDeleted)
    assert deleted.message_id == "1500"
    assert deleted.event_id.startswith("delete:")
    assert deleted.event_id.endswith(":1500")


def test_other_update_kinds_are_ignored() -> None:
    activities = make()
    undelete = activities.edit(BOB, "1000", "1500", "x")
    undelete["channelData"]["eventType"] = "undeleteMessage"
    reaction = activities.reply(BOB, "1000", "x")
    reaction["type"] = "messageReaction"
    assert from_activity(undelete) is None
    assert from_activity(reaction) is None
    assert from_activity(activities.installed_in_team(ALICE)) is None
    assert from_activity({}) is None


def test_a_card_value_that_is_not_an_object_is_malformed_not_a_message() -> None:
    # Before shapes were checked, such a value fell through to "a message without text".
    activity = make().reply(BOB, "1000", "x")
    with pytest.raises(MalformedActivity, match="value"):
        from_activity({**activity, "value": "not a dict"})


def test_form_submit_becomes_form_submitted_and_a_double_click_is_one_event() -> None:
    activities = make()
    value = {
        "jcdc": 1,
        "action": "submit_form",
        "report_id": "r1",
        "section_id": "detection",
        "answer:detection.iocs": "203.0.113.7",
        "answer:detection.vector": "",
    }
    first = activities.submit(BOB, "a:1dm", "9000", value)
    second = activities.submit(BOB, "a:1dm", "9000", value)
    assert first["id"] != second["id"]
    one, two = from_activity(first), from_activity(second)
    assert isinstance(one, FormSubmitted)
    assert one.report_id == "r1"
    assert one.section_id == "detection"
    assert one.values == {"detection.iocs": "203.0.113.7", "detection.vector": ""}
    assert two is not None
    assert one.event_id == two.event_id
    changed = from_activity(
        activities.submit(BOB, "a:1dm", "9000", {**value, "answer:detection.iocs": "x"})
    )
    assert changed is not None
    assert changed.event_id != one.event_id


def test_button_press_and_double_click() -> None:
    activities = make()
    value = {"jcdc": 1, "action": actions.STATUS, "report_id": "r1", "value": "r1"}
    conversation = f"{CHANNEL};messageid=1000"
    first = activities.submit(ALICE, conversation, "1000", value)
    double = dict(first, id="other-id", timestamp=first["timestamp"][:-1] + ".4Z")
    later = activities.submit(ALICE, conversation, "1000", value)
    pressed = from_activity(first)
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.action, pressed.value, pressed.report_id) == ("status", "r1", "r1")
    assert (pressed.channel, pressed.thread) == (CHANNEL, "1000")
    clicked_again = from_activity(double)
    pressed_later = from_activity(later)
    assert clicked_again is not None
    assert pressed_later is not None
    assert clicked_again.event_id == pressed.event_id
    assert pressed_later.event_id != pressed.event_id


def test_section_picker_completes_the_open_form_value() -> None:
    value = {
        "jcdc": 1,
        "action": actions.OPEN_FORM,
        "report_id": "r1",
        "value": "r1",
        "section": "detection",
    }
    event = from_activity(make().submit(ALICE, f"{CHANNEL};messageid=1000", "1000", value))
    assert isinstance(event, ButtonPressed)
    assert event.value == "r1:detection"


def test_foreign_card_submits_are_ignored() -> None:
    activity = make().submit(ALICE, "a:1dm", "1", {"action": "status"})
    assert from_activity(activity) is None


def test_plain_text_from_teams_markup() -> None:
    assert plain_text("<p>one</p><p>two<br>three</p>") == "one\ntwo\nthree"
    assert plain_text("&lt;script&gt; a&nbsp;&nbsp;b") == "<script> a b"
    assert plain_text("<at>Dana</at> please") == "@Dana please"
    assert plain_text("  just text  ") == "just text"


def test_reference_is_the_conversation_not_the_message_or_the_sender() -> None:
    activities = make()
    reply = activities.reply(BOB, "1000", "x")
    command = activities.mention_command(ALICE, "status", thread="2000")
    assert (
        reference_of(reply)
        == reference_of(command)
        == {
            "channelId": "msteams",
            "serviceUrl": SERVICE,
            "bot": {"id": BOT_ID, "name": "JCDC"},
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "id": CHANNEL,
                "tenantId": TENANT,
            },
        }
    )
    assert user_reference_of(reply)["user"] == {
        "id": BOB.id,
        "name": BOB.name,
        "aadObjectId": BOB.aad,
    }


def test_reference_takes_the_tenant_from_channel_data_when_the_conversation_lacks_it() -> None:
    activity = make().personal_message(ALICE, "a:1dm", "help")
    del activity["conversation"]["tenantId"]
    assert reference_of(activity)["conversation"]["tenantId"] == TENANT


def test_the_same_message_id_in_two_channels_is_two_events() -> None:
    # Teams message ids are millisecond timestamps, unique within a conversation only.
    here = Activities("https://smba.example/", channel="19:here@thread.tacv2")
    there = Activities("https://smba.example/", channel="19:there@thread.tacv2")
    first = from_activity(here.reply(BOB, "1000", "2.3: 203.0.113.1"))
    second = from_activity(there.reply(BOB, "1000", "2.3: 203.0.113.2"))
    assert first is not None
    assert second is not None
    assert first.event_id != second.event_id


# Quadratic in html.parser: 30 KB of unclosed `<a ` took 23 s there, on the event loop.
PATHOLOGICAL = [
    "<a " * 10_000,
    "<div>" * 10_000,
    "<at>" * 5_000 + "x" + "</at>" * 5_000,
    "&" * 30_000,
    "<" * 30_000,
    "<!--" * 10_000,
]


@pytest.mark.parametrize("markup", PATHOLOGICAL, ids=["a", "div", "at", "amp", "lt", "comment"])
def test_pathological_markup_is_read_in_linear_time(markup: str) -> None:
    # A correctness bound with a wide margin for a loaded machine (it takes milliseconds).
    started = time.perf_counter()
    text = plain_text(markup)
    assert time.perf_counter() - started < 2.0
    assert len(text) <= len(markup)


def test_nested_markup_keeps_its_line_breaks_and_mentions() -> None:
    markup = "<div><ul><li>one</li><li>two &amp; <at>Dana</at></li></ul></div><p>three<br>four</p>"
    # As before: the end of the list and of its div are a paragraph break.
    assert plain_text(markup) == "one\ntwo & @Dana\n\nthree\nfour"


def test_markup_over_the_cap_is_refused_before_parsing() -> None:
    assert plain_text("x" * MAX_MARKUP_CHARS) == "x" * MAX_MARKUP_CHARS
    with pytest.raises(MalformedActivity, match="longer than"):
        plain_text("<p>" + "x" * MAX_MARKUP_CHARS)


def test_an_overlong_message_is_a_malformed_activity() -> None:
    activity = Activities("https://smba.trafficmanager.net/amer/").reply(
        BOB, "1000", "x" * (MAX_MARKUP_CHARS + 1)
    )
    with pytest.raises(MalformedActivity, match="longer than"):
        from_activity(activity)


def _with_client_info(activity: dict[str, object], timezone: object) -> dict[str, object]:
    entities = activity.get("entities")
    listed = list(entities) if isinstance(entities, list) else []
    listed.append({"type": "clientInfo", "locale": "de-DE", "timezone": timezone})
    return {**activity, "entities": listed}


def test_the_authors_time_zone_comes_from_the_client_info_entity() -> None:
    activities = make()
    reply = _with_client_info(activities.reply(BOB, "1000", "1.2: yesterday 22:00"), "Asia/Tokyo")
    posted = from_activity(reply)
    assert isinstance(posted, MessagePosted)
    assert posted.tz == "Asia/Tokyo"
    edit = _with_client_info(activities.edit(BOB, "1000", "1500", "x"), "Europe/Berlin")
    edited = from_activity(edit)
    assert isinstance(edited, MessageEdited)
    assert edited.tz == "Europe/Berlin"
    # Without the entity, the zone is unknown (times written without one are read as UTC).
    plain = from_activity(activities.reply(BOB, "1000", "1.2: now"))
    assert plain is not None
    assert plain.tz is None


@pytest.mark.parametrize("timezone", [None, 3, "", "not a zone!", "A/" + "b" * 80, ["x"]])
def test_a_client_info_timezone_that_is_not_a_zone_name_is_ignored(timezone: object) -> None:
    reply = _with_client_info(make().reply(BOB, "1000", "1.2: x"), timezone)
    event = from_activity(reply)
    assert event is not None
    assert event.tz is None
