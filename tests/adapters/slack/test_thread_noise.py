"""How loud is the thread? A 20-answer guided session through `jcdc-bot serve` (a real OS
process) with the fake Slack as its Web API, counting what the bot does in the thread: new
posts (each one notifies everybody following it), edits of earlier messages (they notify
nobody), their characters and their length in lines.

The budget (issue 12): a 20-answer session makes at most 20 posts in the thread (the root
message asks the first question itself), and a post is at most three lines plus its buttons.
Run with `-s` to see the numbers.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from conversations.checklist import AnswerKind, Item, default_checklist
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import Call, FakeSlack, fake_slack
from tests.adapters.slack.harness import USERS
from tests.bot.serve_process import ServeProcess, send_slack, slack_env, start_slack_report

ANSWERS = 20
_RESPONDERS = ("U0BOB", "U0CARA", "U0DAN", "U0LEAD")
_BY_KIND = {
    AnswerKind.TLP: "amber",
    AnswerKind.CHOICE: "1",
    AnswerKind.MULTI_CHOICE: "1",
    AnswerKind.YES_NO: "yes",
    AnswerKind.DATETIME: "2026-11-20 14:03 UTC",
    AnswerKind.NUMBER: "1200",
    AnswerKind.SEVERITY: "moderate",
    AnswerKind.CONFIDENCE: "confirmed",
    AnswerKind.IOCS: "203.0.113.7 and evil[.]example",
    AnswerKind.CVES: "CVE-2024-3094",
    AnswerKind.TECHNIQUES: "AML.T0051",
}


def answer_for(item: Item, n: int) -> str:
    """Something the guide accepts for `item` (text items get words of their own)."""
    return _BY_KIND.get(item.kind, f"Our notes for {item.number}, written down by the team {n}")


@dataclass(frozen=True)
class Noise:
    posts: int
    edits: int
    # What people read: the text and button labels of every post and every edit.
    characters: int
    # Of the posts alone (what arrives as new, notifying messages).
    posted_characters: int
    longest_lines: int

    def __str__(self) -> str:
        return (
            f"posts {self.posts}, edits {self.edits}, characters {self.characters} "
            f"({self.posted_characters} in posts), longest post {self.longest_lines} lines"
        )


def _visible_text(call: Call) -> str:
    """What a reader sees of a post or an edit: its blocks' text and its button labels (the
    notification text repeats it, so it is not counted)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("text", "plain_text", "mrkdwn") and "text" in node:
                parts.append(str(node["text"]))
                return
            if node.get("type") == "user":
                parts.append("@someone")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    blocks = call.args.get("blocks")
    if isinstance(blocks, str):  # slack_sdk may send blocks as a JSON string
        import json

        blocks = json.loads(blocks)
    walk(blocks or [{"type": "text", "text": call.args.get("text", "")}])
    return "".join(parts)


def _lines(call: Call) -> int:
    """A post's height in lines of text (its buttons not counted)."""
    text = _visible_text_without_buttons(call)
    return sum(1 for line in text.split("\n") if line.strip())


def _visible_text_without_buttons(call: Call) -> str:
    blocks = call.args.get("blocks") or []
    kept = [b for b in blocks if isinstance(b, dict) and b.get("type") != "actions"]
    return _visible_text(Call(call.method, {**call.args, "blocks": kept}, call.token))


def measure(fake: FakeSlack, thread: str) -> Noise:
    posts = fake.posts(thread)
    edits = [c for c in fake.of("chat.update") if c.args.get("ts") != thread]
    return Noise(
        posts=len(posts),
        edits=len(edits),
        characters=sum(len(_visible_text(c)) for c in [*posts, *edits]),
        posted_characters=sum(len(_visible_text(c)) for c in posts),
        longest_lines=max(_lines(c) for c in posts),
    )


async def _cursor(database_url: str) -> tuple[str | None, int]:
    """The item the guide is on, and how many answers the report holds."""
    database = Database.from_url(database_url)
    try:
        (summary,) = await ReportStore(database).list_reports()
        state = await ReportStore(database).load(summary.id)
        assert state is not None
        return state.cursor, sum(1 for c in state.contributions if c.active)
    finally:
        await database.dispose()


async def guided_session(
    fake: FakeSlack, serve: ServeProcess, database_url: str, answers: int
) -> str:
    """Start a report and answer `answers` guided questions in turn; the thread."""
    checklist = default_checklist()
    thread = await start_slack_report(
        serve.url, fake, "Prompt injection in support copilot", database_url
    )
    async with aiohttp.ClientSession() as session:
        for n in range(answers):
            await fake.settle()
            cursor, held = await _cursor(database_url)
            assert cursor is not None, f"the guide stopped after {n} answers"
            item = checklist.item(cursor)
            user = "U0LEAD" if item.kind is AnswerKind.TLP else _RESPONDERS[n % len(_RESPONDERS)]
            reply = payloads.thread_message(user, answer_for(item, n), thread)
            assert await send_slack(session, serve.url, _event(reply)) == 200
            for _ in range(200):
                if (await _cursor(database_url))[1] > held:
                    break
                await fake.settle(0.05)
            else:
                raise AssertionError(f"answer {n + 1} to {item.number} was never recorded")
    await fake.settle(0.3)
    return thread


async def _settled_after(fake: FakeSlack) -> None:
    await fake.settle(0.3)


def _event(message: dict[str, Any]) -> str:
    return payloads.event_callback(message)


async def test_a_twenty_answer_guided_session_keeps_to_the_budget(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'noise.db'}"
    async with fake_slack(users=dict(USERS)) as fake:
        serve = ServeProcess(
            slack_env(database_url, fake.url, tmp_path), log_path=tmp_path / "serve.log"
        )
        await serve.start()
        try:
            thread = await guided_session(fake, serve, database_url, ANSWERS)
        finally:
            assert await serve.stop() == 0, serve.log()
    noise = measure(fake, thread)
    print(f"\n{ANSWERS}-answer guided session: {noise}")
    # The welcome and the first question are on the root message, not in the thread; each
    # answer brings at most one post (the next question).
    assert noise.posts <= ANSWERS, noise
    assert noise.longest_lines <= 3, noise
    # Every answer is shown on the question it answered; the first, which the root asked,
    # to its author privately (the root stays the summary), with its Undo.
    assert noise.edits >= ANSWERS - 1, noise
    (first,) = [c for c in fake.of("chat.postEphemeral") if "Recorded 0.1" in c.args["text"]]
    assert "undo" in json.dumps(first.args.get("blocks")), first.args
    assert not [
        c
        for c in fake.of("chat.update")
        if c.args.get("ts") == thread and "Recorded" in str(c.args)
    ]


# Items answered directly (`N.M: ...`) after the guided part, none of them asked yet.
_DIRECT = (("U0BOB", "2.3: 198.51.100.9"), ("U0CARA", "4.2: Example AI Labs"))


async def test_direct_answers_an_undo_and_a_confirmed_send_add_no_posts(tmp_path: Path) -> None:
    """Beyond the guided answers: two direct answers to items not asked yet, an Undo of the
    last guided answer, and Send + Confirm. Only the confirmation request is a new post: the
    outcome of sending is written into it."""
    database_url = f"sqlite:///{tmp_path / 'busy.db'}"
    async with fake_slack(users=dict(USERS)) as fake:
        serve = ServeProcess(
            slack_env(database_url, fake.url, tmp_path), log_path=tmp_path / "serve.log"
        )
        await serve.start()
        try:
            thread = await guided_session(fake, serve, database_url, 5)
            guided = len(fake.posts(thread))
            async with aiohttp.ClientSession() as session:
                for user, text in _DIRECT:
                    reply = payloads.thread_message(user, text, thread)
                    assert await send_slack(session, serve.url, _event(reply)) == 200
                    await _settled_after(fake)
                undo = _last_button(fake, thread, "undo")
                assert undo is not None
                press = payloads.block_actions("U0LEAD", "undo", undo[1], undo[0])
                assert await send_slack(session, serve.url, press, _FORM) == 200
                await _settled_after(fake)
                command = payloads.slash_command("U0LEAD", "send")
                assert await send_slack(session, serve.url, command, _FORM) == 200
                await _settled_after(fake)
                confirm = _last_button(fake, thread, "confirm_send")
                assert confirm is not None
                press = payloads.block_actions("U0LEAD", "confirm_send", confirm[1], confirm[0])
                assert await send_slack(session, serve.url, press, _FORM) == 200
                await _sent_to_jcdc(fake, thread)
                await _settled_after(fake)
        finally:
            assert await serve.stop() == 0, serve.log()
    noise = measure(fake, thread)
    print(f"\n5 guided answers, then 2 direct, 1 undo, send + confirm: {noise}")
    # After the guided part the one new post is the request to confirm the send. Direct
    # answers, the Undo, the Confirm and the outcome of sending edit messages in place.
    after = fake.posts(thread)[guided:]
    assert len(after) == 1, noise
    (request,) = after
    assert request.args.get("text", "").startswith("Lena Lead asks to send this report to JCDC")
    # The confirmation, as last edited, is the record of the send: who, when, the Message-ID.
    record = _latest_text(fake, str(request.answer.get("ts")))
    assert record.startswith("Confirmed by Lena Lead at "), record
    assert "Sent to JCDC" in record, record
    # Slack text escapes < and > (a Message-ID is <...@...>).
    assert re.search(r"Message-ID &lt;[^&]+@[^&]+&gt;", record), record


def _latest_text(fake: FakeSlack, ts: str) -> str:
    """A thread message's text as it reads now: its last edit, or as posted."""
    posted = (c for c in fake.posts() if str(c.answer.get("ts")) == ts)
    edited = (c for c in fake.of("chat.update") if c.args.get("ts") == ts)
    versions = [*posted, *edited]  # an edit comes after its post
    return str(versions[-1].args.get("text", "")) if versions else ""


async def _sent_to_jcdc(fake: FakeSlack, thread: str, within: float = 20.0) -> None:
    """The e-mail goes out from the outbox worker a moment after Confirm: wait until a
    thread message (posted, or edited into the confirmation) says so."""

    def told() -> bool:
        posted = (str(c.answer.get("ts")) for c in fake.posts(thread))
        return any("Sent to JCDC" in _latest_text(fake, ts) for ts in posted)

    async def sent() -> None:
        while not told():  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(sent(), within)


_FORM = "application/x-www-form-urlencoded"


def _last_button(fake: FakeSlack, thread: str, action: str) -> tuple[str, str] | None:
    """(message ts, value) of the newest thread message, as posted or edited, with the
    button `action`."""
    found: tuple[str, str] | None = None
    for call in fake.calls:
        if call.method == "chat.postMessage" and call.args.get("thread_ts") == thread:
            ts = str(call.answer.get("ts"))
        elif call.method == "chat.update" and call.args.get("ts") != thread:
            ts = str(call.args.get("ts"))
        else:
            continue
        for block in call.args.get("blocks") or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action:
                    found = (ts, str(element.get("value")))
    return found
