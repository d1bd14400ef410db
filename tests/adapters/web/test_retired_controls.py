"""Used controls are retired on the playground page too (issue 12, item 2), through its real
endpoint: a Record / Just talk prompt is replaced where it stands once used, and a second
click on it gets the current state; Confirm edits the confirmation post."""

from __future__ import annotations

from pathlib import Path

from adapters.web.render import Record
from adapters.web.translate import person_id
from storage.database import Database
from tests.adapters.test_contract import NAMES, web
from tests.adapters.web.driver import WebDriver, spans_text


def notices_of(driver: WebDriver, user: str) -> list[Record]:
    return [
        r
        for r in driver.hub.records(person_id(NAMES[user]))
        if r["kind"] == "notice" and r.get("to") == person_id(NAMES[user])
    ]


async def test_a_used_prompt_is_replaced_and_a_second_click_gets_the_state(
    database: Database, tmp_path: Path
) -> None:
    async with web(database, tmp_path) as (driver, _store):
        assert isinstance(driver, WebDriver)
        await driver.command("lead", "new Prompt injection")
        await driver.reply("lead", "amber")
        await driver.reply("cara", "has anyone paged legal yet?")
        (prompt,) = [r for r in notices_of(driver, "cara") if r["buttons"]]
        assert "Record this as your answer" in spans_text(prompt)
        before = len(notices_of(driver, "cara"))
        await driver.press("cara", "just_talk")
        now = notices_of(driver, "cara")
        assert len(now) == before  # replaced, not joined by another notice
        replaced = next(r for r in now if r["id"] == prompt["id"])
        assert spans_text(replaced) == "Not recorded: kept as talk."
        assert replaced["buttons"] == []
        # The same prompt pressed again (another tab still showed it): the current state.
        (talk,) = [b for b in prompt["buttons"] if b["action"] == "just_talk"]
        await driver._press("cara", "just_talk", talk["value"], prompt["thread"], prompt["id"])
        again = next(r for r in notices_of(driver, "cara") if r["id"] == prompt["id"])
        assert spans_text(again) == "That reply was already settled (or its message deleted)."
        assert again["buttons"] == []


async def test_confirm_edits_the_confirmation_post_rather_than_posting(
    database: Database, tmp_path: Path
) -> None:
    async with web(database, tmp_path) as (driver, _store):
        assert isinstance(driver, WebDriver)
        await driver.command("lead", "new Prompt injection")
        await driver.reply("lead", "amber")
        await driver.press("lead", "send")
        posts = len(driver.thread_texts())
        await driver.press("lead", "confirm_send")
        texts = driver.thread_texts()
        assert len(texts) == posts
        assert texts[-1].startswith("Confirmed by Lena Lead at "), texts
