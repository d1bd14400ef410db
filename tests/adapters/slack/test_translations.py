"""An event is translated once: at the edge, which must translate it before answering Slack,
and not again when the inbox worker of the same process gets to it (adapters/slack/
translations.py). A payload read back from the database is translated again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import translate
from adapters.slack.clients import SingleWorkspace, SlackHttp
from adapters.slack.inbound import SlackDecoder
from adapters.slack.translate import slack_delivery_translated
from adapters.slack.translations import Translations
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import slack_scene


def event_body(text: str = "0.3: Example Corp", ts: str = "1700000001.000200") -> dict[str, Any]:
    message = payloads.thread_message("U0BOB", text, "1700000000.000100", ts=ts)
    return json.loads(payloads.event_callback(message))  # type: ignore[no-any-return]


def test_a_kept_translation_is_taken_once_and_only_for_that_very_body() -> None:
    translations = Translations()
    body = event_body()
    found, event = slack_delivery_translated("event", body)
    assert found is not None
    assert event is not None
    translations.keep(body, event)
    # An equal copy (a payload read back from the database) is not the stored object.
    assert translations.take(json.loads(json.dumps(body))) is None
    assert translations.take(body) == event
    assert translations.take(body) is None  # once: a retried turn translates again


def test_translations_are_bounded_oldest_out_first() -> None:
    translations = Translations(limit=3)
    bodies = [event_body(ts=f"1700000001.00020{n}") for n in range(5)]
    for body in bodies:
        _, event = slack_delivery_translated("event", body)
        assert event is not None
        translations.keep(body, event)
    assert len(translations) == 3
    assert [translations.take(b) is not None for b in bodies] == [False, False, True, True, True]


async def test_the_decoder_gives_the_same_event_with_or_without_a_kept_one() -> None:
    http = SlackHttp()
    try:
        clients = SingleWorkspace("xoxb-test", http, "http://127.0.0.1:9/api/")
        translations = Translations()
        with_memo = SlackDecoder(clients, translations=translations)
        without = SlackDecoder(clients)
        body = event_body()
        _, event = slack_delivery_translated("event", body)
        assert event is not None
        translations.keep(body, event)
        # Names are looked up after translation either way; no Slack here, so none found.
        kept = await with_memo.event_of({"kind": "event", "body": body})
        translated = await without.event_of({"kind": "event", "body": body})
        assert kept == translated
        assert kept is not None
        assert len(translations) == 0
    finally:
        await http.close()


async def test_a_reply_is_translated_once_on_its_way_to_the_report(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Once")
        calls = [0]
        original = translate.from_event_callback

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(translate, "from_event_callback", counted)
        await scene.reply("U0BOB", "0.3: Example Corp")
        monkeypatch.undo()
        assert calls[0] == 1
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert [c.raw for c in state.contributions][-1] == "Example Corp"
