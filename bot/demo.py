"""`jcdc-bot demo`: a scripted incident, end to end, through the real engine and storage.

Four people work one report in an in-memory chat: the lead and three responders answer in
the thread (guided and direct), one edits an answer, one deletes one, two disagree and the
lead settles it, one fills a whole section in a form, someone types nonsense, and the lead
asks to send and confirms. Nothing leaves the machine: the confirmed send waits in the
submissions table for the delivery worker.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adapters.email.transport import FileSink
from adapters.memory import MemoryChat, TranscriptLine
from bot.outbox_worker import OutboxWorker
from bot.runner import TurnResult, TurnRunner
from bot.settings import Settings
from bot.wiring import (
    checklist_from,
    envelope_from,
    open_store,
    smime_from,
    transport_from,
)
from conversations import actions
from conversations.answers import Accepted, parse_answer
from conversations.checklist import AnswerKind, Checklist, Item
from conversations.effects import AuditEntry
from conversations.events import Event
from conversations.scripted import ScriptedEvents
from conversations.state import Actor, ReportState
from documents.assembly import AssembledReport, assemble
from documents.cisa import render_cisa
from documents.rendering import render_json, render_markdown
from documents.stix import render_stix
from storage.outbox import Outbox
from storage.repository import SubmissionRecord

LEAD = Actor(id="U-ALICE", name="Alice Moreno (IR lead)")
ML_ENGINEER = Actor(id="U-BOB", name="Bob Chen (ML platform)")
ANALYST = Actor(id="U-CAROL", name="Carol Diaz (SOC)")
INTEL = Actor(id="U-DANA", name="Dana Okafor (threat intel)")
CHANNEL = "C-INCIDENT-4711"
TITLE = "Prompt injection in the support copilot"

# Fallback answers for items whose example does not parse as their kind.
_BY_KIND = {
    AnswerKind.TEXT: "See the incident ticket for details.",
    AnswerKind.YES_NO: "unknown",
    AnswerKind.DATETIME: "2026-11-19 22:40 UTC",
    AnswerKind.NUMBER: "about 1,200",
    AnswerKind.SEVERITY: "moderate",
    AnswerKind.CONFIDENCE: "speculative",
    AnswerKind.IOCS: "203.0.113[.]7",
    AnswerKind.CVES: "CVE-2024-3094",
    AnswerKind.TECHNIQUES: "AML.T0051",
    AnswerKind.TLP: "amber",
}


class _Script:
    def __init__(self, runner: TurnRunner, checklist: Checklist, run: str) -> None:
        self.runner = runner
        self.checklist = checklist
        self.events = ScriptedEvents(platform="demo", channel=CHANNEL, id_prefix=f"demo-{run}-")

    @property
    def report_id(self) -> str:
        return self.events.report_id or ""

    @report_id.setter
    def report_id(self, report_id: str) -> None:
        self.events.report_id = report_id

    @property
    def thread(self) -> str:
        return self.events.thread or ""

    @thread.setter
    def thread(self, thread: str) -> None:
        self.events.thread = thread or None

    async def feed(self, event: Event) -> TurnResult:
        return await self.runner.handle(event)

    async def state(self) -> ReportState:
        state = await self.runner.store.load(self.report_id)
        assert state is not None
        return state

    async def command(self, actor: Actor, text: str, *mentions: Actor) -> TurnResult:
        # Typed in the thread once there is one, as people do in the demo's chat.
        return await self.feed(self.events.command(actor, text, mentions, in_thread=True))

    async def say(self, actor: Actor, text: str) -> str:
        message = self.events.message(actor, text)
        await self.feed(message)
        return message.message_id

    async def edit(self, actor: Actor, message_id: str, text: str) -> None:
        await self.feed(self.events.edit(actor, message_id, text))

    async def delete(self, actor: Actor, message_id: str) -> None:
        await self.feed(self.events.delete(actor, message_id))

    async def press(self, actor: Actor, action: str) -> None:
        await self.feed(self.events.press(actor, action, value=self.report_id))

    async def form(self, actor: Actor, section_number: int, values: dict[str, str]) -> None:
        section = self.checklist.sections[section_number]
        await self.feed(self.events.form(actor, section.id, values))

    def item(self, section_number: int, kind: AnswerKind) -> Item:
        section = next(s for s in self.checklist.sections if s.number == section_number)
        return next(i for i in section.items if i.kind is kind)

    async def current_item(self) -> Item | None:
        cursor = (await self.state()).cursor
        return self.checklist.item(cursor) if cursor else None


def plausible_answer(item: Item) -> str:
    """The item's own example when it parses, else a stock answer of the right kind."""
    for candidate in (
        item.example,
        _BY_KIND.get(item.kind),
        item.options[0].label if item.options else None,
    ):
        if candidate and isinstance(parse_answer(item, candidate), Accepted):
            return candidate
    raise ValueError(f"no plausible demo answer for {item.id}")


async def play(script: _Script) -> None:
    created = await script.command(LEAD, f"new {TITLE}")
    # Report ids are random (never derived from what a platform makes public): read it back.
    assert created.step is not None
    assert created.step.state is not None
    script.report_id = created.step.state.id
    script.thread = (await script.state()).thread or ""

    # Guided: the thread answers the questions as the bot asks them.
    await script.say(LEAD, "amber")
    rotation = itertools.cycle([LEAD, ANALYST, ML_ENGINEER])
    for _ in range(6):
        item = await script.current_item()
        assert item is not None
        await script.say(next(rotation), plausible_answer(item))
    await script.say(ANALYST, "skip")
    await script.say(ML_ENGINEER, "back")
    await script.say(ML_ENGINEER, "// checking the gateway logs before I answer this one")
    await script.say(ML_ENGINEER, "next")

    # Two responders disagree on a single-valued item; the lead settles it.
    confidence = script.item(1, AnswerKind.CONFIDENCE)
    await script.say(ANALYST, f"{confidence.number}: confirmed")
    await script.say(ML_ENGINEER, f"{confidence.number}: speculative")
    await script.command(LEAD, f"resolve {confidence.number} 1")

    # Indicators accumulate with attribution; one responder corrects theirs by editing.
    iocs = script.item(2, AnswerKind.IOCS)
    await script.say(
        ML_ENGINEER,
        f"{iocs.number}: exfil went to hxxps://copilot-cdn[.]example[.]net/collect "
        "from 203.0.113[.]7",
    )
    carol_iocs = await script.say(ANALYST, f"{iocs.number}: 198.51.100.23")
    await script.edit(
        ANALYST, carol_iocs, f"{iocs.number}: 198.51.100.24, 5d41402abc4b2a76b9719d911017c592"
    )

    # An answer posted to the wrong item and then deleted is withdrawn.
    software = script.item(4, AnswerKind.TEXT)
    wrong = await script.say(ML_ENGINEER, f"{software.number}: (wrong incident, ignore)")
    await script.delete(ML_ENGINEER, wrong)

    # Nonsense is explained privately and not recorded.
    await script.say(ANALYST, f"{script.item(5, AnswerKind.NUMBER).number}: lots")
    await script.say(ANALYST, f"{script.item(5, AnswerKind.NUMBER).number}: about 1,200")

    # The lead hands the attribution section to threat intel, who answers it in a form.
    attribution = script.checklist.sections[8]
    await script.command(LEAD, f"assign {attribution.number} <@{INTEL.id}>", INTEL)
    values = {item.id: plausible_answer(item) for item in attribution.items[:6]}
    techniques = script.item(8, AnswerKind.TECHNIQUES)
    values[techniques.id] = "AML.T0051 (LLM prompt injection), T1566.001"
    await script.form(INTEL, attribution.number, values)

    await script.command(ML_ENGINEER, "status")
    await script.command(LEAD, "preview")

    # Send: a responder asks, cannot confirm; the lead confirms (twice: a double click).
    await script.command(ML_ENGINEER, "send")
    await script.press(ML_ENGINEER, actions.CONFIRM_SEND)
    await script.press(LEAD, actions.CONFIRM_SEND)
    await script.press(LEAD, actions.CONFIRM_SEND)


@dataclass(frozen=True)
class DemoResult:
    report: AssembledReport
    trail: list[AuditEntry]
    submissions: list[SubmissionRecord]
    transcript: list[TranscriptLine]


async def run_demo(settings: Settings, out: Path) -> DemoResult:
    checklist = checklist_from(settings)
    policy = settings.policy()
    store = await open_store(settings, wait=False)
    run = uuid.uuid4().hex[:8]
    # Fresh event and message ids each run: the demo can run again on the same database, each
    # time a report (and a thread) of its own.
    chat = MemoryChat(id_prefix=f"demo-{run}-m")
    script = _Script(TurnRunner(store, chat, checklist, policy), checklist, run)
    try:
        await play(script)
        # The confirmed report goes through the real outbox: to SMTP_HOST when set, else to
        # .eml files beside the other demo output.
        transport = transport_from(settings) if settings.smtp_host else FileSink(out)
        worker = OutboxWorker(
            Outbox(store.database),
            transport,
            envelope_from(settings),
            checklist,
            policy,
            runner=script.runner,
            smime=smime_from(settings),
        )
        await worker.drain()
        state = await script.state()
        trail = await store.audit_trail(state.id)
        submissions = await store.submissions(state.id)
    finally:
        await store.database.dispose()
    return DemoResult(assemble(state, checklist, policy), trail, submissions, chat.transcript)


def write_demo(result: DemoResult, out: Path, echo: Callable[[str], None]) -> None:
    report = result.report
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(render_markdown(report), "utf-8")
    (out / "report.json").write_text(render_json(report), "utf-8")
    (out / "report.stix.json").write_text(render_stix(report), "utf-8")
    (out / "report.cisa.txt").write_text(render_cisa(report), "utf-8")
    (out / "audit.json").write_text(
        json.dumps(
            [entry.model_dump(mode="json") for entry in result.trail], indent=2, ensure_ascii=False
        )
        + "\n",
        "utf-8",
    )
    (out / "transcript.txt").write_text(
        "\n\n".join(f"[{line.kind} → {line.audience}]\n{line.text}" for line in result.transcript)
        + "\n",
        "utf-8",
    )

    c = report.completeness
    echo(f"Report {report.report_id}: {report.title} [{report.tlp}]")
    echo(
        f"Lead {report.lead.name}; {len(report.contributors)} contributors: "
        + ", ".join(f"{p.actor.name} ({p.contributions})" for p in report.contributors)
    )
    echo(
        f"{c.answered} of {c.total} items answered ({c.percent}%), {c.skipped} skipped, "
        f"{len(c.open_conflicts)} open conflict(s)"
    )
    for section in report.sections:
        bar = "#" * section.answered + "." * (section.total - section.answered)
        echo(
            f"  {section.number:>2} {section.title:<45} {section.answered:>2}/{section.total:<2}"
            f" {bar}"
        )
    queued = ", ".join(
        f"{s.status} (version {s.report_version}, {s.message_id})" for s in result.submissions
    )
    echo(
        f"{len(result.transcript)} chat messages; {len(result.trail)} audit entries; "
        f"submissions: {queued or 'none'}"
    )
    echo(f"Wrote report.md, report.json, audit.json, transcript.txt and the e-mail to {out}")
