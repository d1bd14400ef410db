"""Slack ts values as times, and the action ids of repeated buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.blocks import action_name, actions_block
from adapters.slack.timestamps import ts_time
from conversations.effects import Button


def test_a_ts_is_its_exact_microsecond() -> None:
    assert ts_time("1764627245.000100") == datetime(2025, 12, 1, 22, 14, 5, 100, tzinfo=UTC)
    earlier, later = ts_time("1764627245.000099"), ts_time("1764627245.000100")
    assert earlier is not None
    assert later is not None
    assert earlier < later


def test_what_is_no_ts_has_no_time() -> None:
    for text in ("", None, "m1", "1764627245", "1764627245.1", "abc.def000"):
        assert ts_time(text) is None


def test_buttons_sharing_an_action_get_unique_ids_that_decode_back() -> None:
    buttons = tuple(Button(action="answer", label=v, value=f"r:i:{v}") for v in "abc")
    block = actions_block((*buttons, Button(action="open_form", label="Form", value="r:s")))
    ids = [element["action_id"] for element in block["elements"]]
    assert len(set(ids)) == len(ids)
    assert [action_name(i) for i in ids] == ["answer", "answer", "answer", "open_form"]
