"""Whatever JSON arrives, the Teams translator gives an event, None, or MalformedActivity; the
references and the delivery identity of an activity agree with its event."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.event_limits import ID_MAX
from adapters.teams.translate import (
    MalformedActivity,
    TeamsDelivery,
    from_activity,
    reference_of,
    split_conversation_id,
    teams_delivery,
    user_reference_of,
)
from conversations import actions
from tests.adapters.fuzzing import FUZZ, assert_valid_event, json_like, mutated, objects
from tests.adapters.teams.activities import ALICE, BOB, CHANNEL, Activities

KEYS = [
    "type",
    "id",
    "timestamp",
    "serviceUrl",
    "channelId",
    "from",
    "recipient",
    "conversation",
    "conversationType",
    "tenantId",
    "isGroup",
    "channelData",
    "tenant",
    "eventType",
    "text",
    "replyToId",
    "entities",
    "mentioned",
    "value",
    "jcdc",
    "action",
    "report_id",
    "section_id",
    "section",
    "answer:x",
    "name",
    "role",
    "aadObjectId",
]
TYPES = st.sampled_from(["message", "messageUpdate", "messageDelete", "typing", "invoke"])


def _fixtures() -> list[dict[str, Any]]:
    a = Activities("https://smba.trafficmanager.net/amer/")
    form = {
        "jcdc": 1,
        "action": "submit_form",
        "report_id": "r1",
        "section_id": "detection",
        "answer:detection.iocs": "203.0.113.7",
        "answer:detection.confirmed": True,
        "answer:detection.count": 3,
    }
    picker = {"jcdc": 1, "action": actions.OPEN_FORM, "report_id": "r1", "section": "detection"}
    activities = [
        a.mention_command(ALICE, "assign 4 <at>Dana Diaz</at>", thread="1000"),
        a.reply(BOB, "1000", "2.1: 203.0.113.7 &amp; <b>x</b>"),
        a.edit(BOB, "1000", "1500", "2.1: y"),
        a.delete(BOB, "1000", "1500"),
        a.personal_message(ALICE, "a:1dm", "status"),
        a.submit(BOB, "a:1dm", "9000", form),
        a.submit(ALICE, f"{CHANNEL};messageid=1000", "1000", picker),
        a.installed_in_team(ALICE),
    ]
    # Plain JSON, as an activity arrives.
    return [json.loads(json.dumps(activity)) for activity in activities]


FIXTURES = _fixtures()
READERS: list[Callable[[Mapping[str, Any]], object]] = [
    from_activity,
    reference_of,
    user_reference_of,
    teams_delivery,
]
anything = objects(KEYS) | json_like(KEYS)
typed = st.builds(lambda body, kind: {**body, "type": kind, "id": "1"}, objects(KEYS), TYPES)
damaged = st.sampled_from(FIXTURES).flatmap(mutated)


def read_or_refuse(read: Callable[[Mapping[str, Any]], object], activity: Any) -> None:
    try:
        result = read(activity)
    except MalformedActivity as error:
        reason = str(error)
    else:
        if read is from_activity and result is not None:
            assert_valid_event(result)
        if read in (reference_of, user_reference_of):
            # A reference is stored as JSON and handed to the Bot Framework SDK later.
            assert isinstance(result, dict)
            json.dumps(result, allow_nan=False)
            assert isinstance(result["conversation"]["id"], str)
        return
    assert 0 < len(reason) < 300


def test_the_fixtures_translate() -> None:
    events = [from_activity(activity) for activity in FIXTURES]
    # All but the installation update are events the bot handles.
    assert sum(event is not None for event in events) == len(FIXTURES) - 1


@FUZZ
@given(st.sampled_from(READERS), anything | typed)
def test_any_json_gives_an_event_none_or_malformed_activity(
    read: Callable[[Mapping[str, Any]], object], activity: Any
) -> None:
    read_or_refuse(read, activity)


@FUZZ
@given(st.sampled_from(READERS), damaged)
def test_damaged_real_activities_give_an_event_none_or_malformed_activity(
    read: Callable[[Mapping[str, Any]], object], activity: Any
) -> None:
    read_or_refuse(read, activity)


def check_delivery(activity: Any) -> None:
    """A delivery is ignorable exactly when no event comes of it, and names the event's
    tenant and channel."""
    try:
        delivery = teams_delivery(activity)
    except MalformedActivity:
        with pytest.raises(MalformedActivity):
            from_activity(activity)
        return
    event = from_activity(activity)
    if delivery is None:
        assert event is None
        return
    assert isinstance(delivery, TeamsDelivery)
    assert len(delivery.delivery_id) <= ID_MAX
    assert delivery.delivery_id.endswith(f":{activity['id']}") or f":{activity['id']}:" in (
        delivery.delivery_id
    )
    assert delivery.ignorable == (event is None)
    if event is not None:
        assert (event.workspace, event.channel) == (delivery.workspace, delivery.channel)
    assert delivery.channel == split_conversation_id(delivery.channel)[0]


@FUZZ
@given(damaged | typed)
def test_a_deliverys_identity_agrees_with_its_event(activity: Any) -> None:
    check_delivery(activity)


@pytest.mark.parametrize("activity", FIXTURES)
def test_without_damage_the_fixtures_identity_agrees_too(activity: dict[str, Any]) -> None:
    check_delivery(activity)


@FUZZ
@given(st.sampled_from(FIXTURES), st.sampled_from(FIXTURES))
def test_different_events_are_never_one_delivery(one: Any, two: Any) -> None:
    # The inbox stores a delivery id once: two activities that mean different events must
    # not share one, or the second would be dropped as a re-delivery of the first.
    first, second = teams_delivery(one), teams_delivery(two)
    assert first is not None
    assert second is not None
    if from_activity(one) != from_activity(two):
        assert first.delivery_id != second.delivery_id
