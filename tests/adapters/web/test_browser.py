"""The playground in a real browser: Debian's chromium driven by Playwright, two pages as two
people, one report from `/jcdc new` to the e-mail in the outbox.

Screenshots of the way go to `test-artifacts/playground/` (git-ignored), for people to look at.
No browser is downloaded: the system's chromium is used (`.ci/run` installs it when missing).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.server import build_bot, web_app
from bot.settings import Settings
from storage.database import Database
from storage.repository import ReportStore

CHROMIUM = os.environ.get("JCDC_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "playground"
TITLE = "Prompt injection in support copilot"
# Generous for a shared two-core machine; a passing run takes far less.
WAIT_MS = 15_000


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'playground.db'}")
    await database.upgrade()
    outbox = tmp_path / "outbox"
    bot = build_bot(Settings(outbox_dir=outbox), ReportStore(database), web=True)
    server = TestServer(web_app(bot), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/")), outbox
    finally:
        await server.close()
        await database.dispose()


HAS_CHROMIUM = Path(CHROMIUM).is_file()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    # Fails, never skips: CI installs chromium (.ci/run), and so must a developer.
    assert HAS_CHROMIUM, f"no chromium at {CHROMIUM}: apt-get install -y chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def open_as(browser: Browser, url: str, name: str) -> Page:
    context = await browser.new_context(viewport={"width": 1500, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{url}?as={name.replace(' ', '%20')}")
    await expect(page.locator("#connection")).to_have_text(f"live as {name}")
    return page


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def reply(page: Page, text: str) -> None:
    await page.locator("#thread-input").fill(text)
    await page.locator("#thread-input").press("Enter")


def thread(page: Page) -> Any:
    return page.locator("#thread-log")


async def test_two_people_run_a_report_to_the_outbox(
    playground: tuple[str, Path], browser: Browser
) -> None:
    url, outbox = playground
    lena = await open_as(browser, url, "Lena Lead")
    bob = await open_as(browser, url, "Bob")
    await expect(lena.locator("#banner")).to_contain_text("Nothing goes to CISA")

    # Lena starts the report; both pages get the root card and its thread at once.
    await lena.locator("#channel-input").fill(f"/jcdc new {TITLE}")
    await lena.locator("#channel-input").press("Enter")
    for page in (lena, bob):
        await expect(page.locator("#channel-log .card h3")).to_have_text(TITLE)
        await expect(page.locator("#thread-title")).to_have_text(f"Thread: {TITLE}")

    # The root card asks the first question itself, with the welcome and its buttons.
    for page in (lena, bob):
        asked = page.locator("#channel-log .card .root-question")
        await expect(asked).to_contain_text("Report started by")
        await expect(asked).to_contain_text("0.1 Which TLP 2.0 marking")
        await expect(asked.locator("button", has_text="More")).to_have_count(1)
    await expect(thread(bob).locator(".msg")).to_have_count(0)

    # Guided: the first question is the TLP; Lena answers it, Bob sees her answer live. The
    # root's question was asked on the card: Lena alone hears what was recorded (with its
    # Undo), the card is the summary again, and the next question opens the thread.
    await reply(lena, "amber")
    await expect(thread(bob).locator(".msg.said")).to_contain_text(["amber"])
    await expect(thread(bob)).to_contain_text("Lena Lead")
    acknowledged = thread(lena).locator(".msg.notice")
    await expect(acknowledged).to_contain_text("Recorded 0.1 from Lena Lead")
    await expect(acknowledged.locator("button", has_text="Undo")).to_have_count(1)
    await expect(thread(bob).locator(".msg.notice")).to_have_count(0)
    await expect(bob.locator("#channel-log .card .root-question")).to_have_count(0)
    await expect(bob.locator("#channel-log .card .now-asking")).to_contain_text("Now asking")
    await expect(thread(bob).locator(".msg.post")).to_have_count(1)

    # Direct: Bob answers 0.3 out of turn.
    await reply(bob, "0.3: Example Corp, AI platform security")
    await expect(thread(lena)).to_contain_text("Example Corp, AI platform security")

    # A private notice: Bob's status is on his page only.
    await reply(bob, "/jcdc status")
    await expect(thread(bob).locator(".msg.notice")).to_have_count(1)
    await expect(thread(bob).locator(".msg.notice .only-you")).to_have_text("Only visible to you")
    await expect(thread(lena).locator(".msg.notice")).to_have_count(1)  # her own, from before

    # A form: Bob picks section 1 on the card; the dialog opens on his page only.
    report = await bob.locator(".card").get_attribute("data-report")
    await bob.locator(".card .section-picker").select_option(f"{report}:description")
    dialog = bob.locator("#form-dialog")
    await expect(dialog).to_be_visible()
    await expect(lena.locator("#form-dialog")).not_to_be_visible()
    await dialog.locator('[id="field-description.event_type"]').select_option("attempted_attack")
    await dialog.locator('[id="field-description.cves"]').fill("CVE-2026-12345")
    await shot(bob, "1-bob-fills-a-section-form")
    await dialog.locator("#form-save").click()
    await expect(dialog).not_to_be_visible()
    # No conflict and nothing asked from section 1 yet: only Bob is told what the form saved.
    await expect(thread(bob)).to_contain_text("Bob answered section 1 in a form: 1.1, 1.3")
    await expect(thread(lena)).not_to_contain_text("Bob answered section 1 in a form")

    # A conflict: Lena says 1.1 is an incident, Bob's form said an attempted attack.
    await reply(lena, "1.1: 1")
    await expect(thread(lena)).to_contain_text("Conflicting answers for 1.1")
    await expect(lena.locator(".card .conflicts")).to_have_text("Open conflicts: 1.1")
    await shot(lena, "2-lena-sees-the-conflict")
    await reply(lena, "/jcdc resolve 1.1 2")
    await expect(lena.locator(".card .conflicts")).to_have_count(0)

    # Send, then confirm; the bot "sends" it to the outbox folder, and the page shows it.
    await lena.locator('.card button[data-action="send"]').click()
    await lena.locator('button[data-action="confirm_send"]').last.click()
    await expect(thread(bob)).to_contain_text("Confirmed by Lena Lead")
    mail = lena.locator("#mail-list .mail")
    await expect(mail).to_have_count(1, timeout=3 * WAIT_MS)
    await expect(mail.locator(".subject")).to_contain_text(TITLE)
    await expect(mail.locator(".tlp")).to_have_text("TLP:AMBER")
    await expect(mail.locator(".attachments li")).not_to_have_count(0)
    await expect(mail.locator("iframe")).to_have_attribute("sandbox", "")
    await expect(bob.locator("#mail-list .mail")).to_have_count(1)
    await mail.scroll_into_view_if_needed()
    await shot(lena, "3-lena-sees-the-sent-mail")
    (eml,) = outbox.glob("*.eml")
    assert TITLE in eml.read_text("utf-8", errors="replace")
    frame = mail.locator("iframe").content_frame
    await expect(frame.locator("body")).to_contain_text(re.compile("Example Corp"))
