"""People are (platform, workspace, user id): parsing approver entries, and where a report's
recorded people live."""

from __future__ import annotations

import pytest

from conversations.people import PersonKey, Space, parse_person_key, report_space
from conversations.state import Actor


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("slack:T0123:U0456", PersonKey("slack", "T0123", "U0456")),
        # Teams user ids contain colons: only the first two colons separate.
        (
            "teams:72f988bf-86f1-41af-91ab-2d7cd011db47:29:1abcDEF:xyz",
            PersonKey("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "29:1abcDEF:xyz"),
        ),
        ("  slack : E0ORG : W0789 ", PersonKey("slack", "E0ORG", "W0789")),
    ],
)
def test_full_keys_parse(entry: str, expected: PersonKey) -> None:
    assert parse_person_key(entry) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "U0456",  # the old format: a bare user id
        "29:1abc",  # a bare Teams id
        "29:1abc:def",  # a bare Teams id with two colons is not a platform and workspace
        "slack:U0456",
        "slack::U0456",
        "::",
        "Slack:T0123:U0456",
        "internal:x:jcdc-bot",  # the bot's own events: nobody acts there
    ],
)
def test_anything_but_a_full_key_is_refused_naming_the_entry_and_the_form(entry: str) -> None:
    with pytest.raises(ValueError, match="platform:workspace:user") as raised:
        parse_person_key(entry)
    assert repr(entry.strip()) in str(raised.value)


def test_a_key_prints_as_it_is_written() -> None:
    key = PersonKey("teams", "tenant", "29:1abc")
    assert str(key) == "teams:tenant:29:1abc"
    assert parse_person_key(str(key)) == key


def test_people_of_a_report_live_in_its_platform_and_workspace() -> None:
    space = report_space("slack", "T0123", "teams", "tenant")
    assert space == Space("slack", "T0123")
    assert space.key(Actor(id="U1", name="Alice")) == PersonKey("slack", "T0123", "U1")


def test_a_report_without_a_recorded_workspace_lives_where_its_platform_event_comes_from() -> None:
    # Reports from before workspaces were recorded are bound by platform and channel alone.
    assert report_space("slack", "", "slack", "T0123") == Space("slack", "T0123")
    # Another platform never adopts it.
    assert report_space("slack", "", "teams", "tenant") == Space("slack", "")
