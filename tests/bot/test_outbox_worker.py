"""Confirmed reports reach JCDC exactly once, through the outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.serialization import pkcs7

from adapters.email.message import MailEnvelope
from adapters.email.smime import Smime
from adapters.email.transport import SmtpTransport
from adapters.memory import MemoryChat
from bot.outbox_worker import OutboxWorker, RetryPolicy
from bot.runner import TurnRunner
from conversations import actions
from conversations.events import ButtonPressed, CommandIssued, MessagePosted
from conversations.people import PersonKey
from conversations.policy import Policy
from conversations.state import Actor, ReportState, ReportStatus
from documents.assembly import AssembledReport, assemble
from storage.outbox import Outbox
from storage.repository import ReportStore
from tests.adapters.email.smtp_server import free_port, smtp_server
from tests.adapters.email.test_smime import make_identity
from tests.conversations.harness import ALICE, BOB, small_checklist

ENVELOPE = MailEnvelope(sender="ir@example.com", recipients=("CISA.JCDC@cisa.dhs.gov",))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Scene:
    """A report confirmed for sending, a worker, and the chat that hears about it."""

    def __init__(self, store: ReportStore, port: int, policy: Policy | None = None) -> None:
        self.store = store
        self.clock = Clock()
        self.chat = MemoryChat()
        self.policy = policy or Policy()
        self.runner = TurnRunner(store, self.chat, small_checklist(), self.policy, clock=self.clock)
        self.outbox = Outbox(store.database)
        self.worker = self.make_worker(port)
        self.report_id = ""
        self.channel = "C1"
        self._ids = 0

    def make_worker(self, port: int) -> OutboxWorker:
        return OutboxWorker(
            self.outbox,
            SmtpTransport(host="127.0.0.1", port=port, tls="none", timeout=5),
            ENVELOPE,
            small_checklist(),
            self.policy,
            runner=self.runner,
            retry=RetryPolicy(attempts=3),
            clock=self.clock,
        )

    def event_id(self) -> str:
        self._ids += 1
        return f"E{self._ids}"

    async def start(self, channel: str = "C1") -> None:
        result = await self.runner.handle(
            CommandIssued(
                event_id=self.event_id(),
                platform="test",
                channel=channel,
                actor=ALICE,
                text="new Prompt injection",
            )
        )
        assert result.step is not None
        assert result.step.state is not None
        self.report_id = result.step.state.id
        # Buttons and commands act on a report only from its own channel (bot.binding).
        self.channel = channel
        state = await self.state()
        await self.runner.handle(
            MessagePosted(
                event_id=self.event_id(),
                platform="test",
                channel=channel,
                thread=state.thread,
                actor=BOB,
                message_id="M1",
                text="2.1: hxxp://evil[.]example[.]com/x",
            )
        )

    async def confirm(self, click_id: str | None = None) -> None:
        await self.runner.handle(
            CommandIssued(
                event_id=self.event_id(),
                platform="test",
                channel=self.channel,
                actor=ALICE,
                text="send",
                report_id=self.report_id,
            )
        )
        await self.press_confirm(click_id or self.event_id())

    async def press_confirm(
        self, click_id: str, actor: Actor = ALICE, message_id: str | None = None
    ) -> None:
        """Confirm, pressed on the thread message `message_id` when given (as Slack and
        Teams name the message a button was on)."""
        await self.runner.handle(
            ButtonPressed(
                event_id=click_id,
                platform="test",
                channel=self.channel,
                actor=actor,
                report_id=self.report_id,
                action=actions.CONFIRM_SEND,
                value=self.report_id,
                message_id=message_id,
            )
        )

    def confirmation_message(self) -> str:
        """The newest thread message carrying a Confirm button."""
        (*_, line) = (
            line
            for line in self.chat.transcript
            if line.kind == "post" and any(b.action == actions.CONFIRM_SEND for b in line.buttons)
        )
        assert line.message_id is not None
        return line.message_id

    async def state(self) -> ReportState:
        state = await self.store.load(self.report_id)
        assert state is not None
        return state

    def thread_says(self, text: str) -> int:
        return sum(text in line for line in self.chat.texts("post"))


async def test_confirmed_report_is_delivered_once_with_tlp_and_attachments(
    store: ReportStore,
) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        assert await scene.worker.drain() == 1
        assert await scene.worker.drain() == 0
    (received,) = server.received
    assert received.recipients == ["CISA.JCDC@cisa.dhs.gov"]
    message = received.message
    assert str(message["Subject"]).strip().startswith("TLP:AMBER - AI cybersecurity incident")
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().startswith("TLP:AMBER")
    (submission,) = await store.submissions(scene.report_id)
    assert submission.status == "sent"
    assert submission.message_id == message["Message-ID"].strip()
    attached = next(p for p in message.iter_attachments() if p.get_filename() == "report.json")
    payload = attached.get_content()
    sent_report = AssembledReport.model_validate(
        json.loads(payload if isinstance(payload, str) else payload.decode())
    )
    frozen = ReportState.model_validate(submission.snapshot)
    assert sent_report == assemble(frozen, small_checklist())
    state = await scene.state()
    assert state.status is ReportStatus.SENT
    assert scene.thread_says("Sent to JCDC") == 1
    assert submission.message_id is not None
    assert scene.thread_says(submission.message_id) == 1


async def test_double_repeated_and_concurrent_confirms_send_one_email(
    store: ReportStore,
) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.runner.handle(
            CommandIssued(
                event_id="send",
                platform="test",
                channel=scene.channel,
                actor=ALICE,
                text="send",
                report_id=scene.report_id,
            )
        )
        await asyncio.gather(
            scene.press_confirm("click"),
            scene.press_confirm("click"),
            scene.press_confirm("click-2"),
            scene.press_confirm("click-3"),
        )
        await scene.press_confirm("click")  # a platform retry, later
        await scene.worker.drain()
    assert len(server.received) == 1
    assert len(await store.submissions(scene.report_id)) == 1


async def test_relay_down_then_up_delivers_exactly_once_with_the_same_message_id(
    store: ReportStore,
) -> None:
    port = free_port()
    scene = Scene(store, port)
    await scene.start()
    await scene.confirm()
    assert await scene.worker.drain() == 1  # nobody listening: a temporary failure
    (queued,) = await store.submissions(scene.report_id)
    assert queued.status == "pending"
    assert queued.attempts == 1
    assert queued.message_id is not None
    assert queued.next_attempt_at == scene.clock.now + timedelta(seconds=30)
    assert scene.thread_says("Delivery to JCDC is delayed") == 1
    assert await scene.worker.drain() == 0  # not due yet

    with smtp_server(port) as (server, _):
        scene.clock.advance(seconds=31)
        assert await scene.worker.drain() == 1
        scene.clock.advance(hours=2)
        assert await scene.worker.drain() == 0
    (received,) = server.received
    assert received.message["Message-ID"].strip() == queued.message_id
    (sent,) = await store.submissions(scene.report_id)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert scene.thread_says("Sent to JCDC") == 1


async def test_permanent_refusal_fails_tells_the_thread_and_is_not_retried(
    store: ReportStore,
) -> None:
    with smtp_server() as (server, port):
        server.refuse_with = "554 5.7.1 Relay access denied"
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        await scene.worker.drain()
        scene.clock.advance(days=1)
        assert await scene.worker.drain() == 0
        (failed,) = await store.submissions(scene.report_id)
        assert failed.status == "failed"
        assert "554" in (failed.last_error or "")
        assert scene.thread_says("Sending to JCDC failed: the relay answered 554") == 1
        state = await scene.state()
        assert state.status is ReportStatus.OPEN  # the lead can send again

        server.refuse_with = None
        assert await scene.outbox.retry(failed.id)
        assert not await scene.outbox.retry(failed.id)  # only failed ones go back
        assert await scene.worker.drain() == 1
    assert len(server.received) == 1


async def test_temporary_failures_give_up_after_the_attempt_limit(store: ReportStore) -> None:
    with smtp_server() as (server, port):
        server.refuse_with = "451 4.3.0 try later"
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        for _ in range(5):
            await scene.worker.drain()
            scene.clock.advance(hours=2)
    (failed,) = await store.submissions(scene.report_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in (failed.last_error or "")


async def test_a_worker_that_dies_after_claiming_is_replaced_after_its_lease(
    store: ReportStore,
) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        # The first worker claims the submission and dies before sending anything.
        claimed = await scene.outbox.claim(scene.clock.now, RetryPolicy().lease)
        assert claimed is not None
        assert await scene.worker.drain() == 0  # the lease still holds
        scene.clock.advance(minutes=6)
        assert await scene.worker.drain() == 1
    assert len(server.received) == 1
    (sent,) = await store.submissions(scene.report_id)
    assert (sent.status, sent.attempts) == ("sent", 2)


async def test_two_workers_competing_send_each_submission_once(store: ReportStore) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        for channel in range(8):
            await scene.start(channel=f"C{channel}")
            await scene.confirm()
        other = scene.make_worker(port)
        attempts = await asyncio.gather(scene.worker.drain(), other.drain())
    assert sum(attempts) == 8
    ids = [r.message["Message-ID"] for r in server.received]
    assert len(ids) == 8
    assert len(set(ids)) == 8
    assert {s.status for s in await store.submissions()} == {"sent"}


async def test_amendment_goes_out_as_a_follow_up(store: ReportStore) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        await scene.worker.drain()
        state = await scene.state()
        await scene.runner.handle(
            MessagePosted(
                event_id="amend",
                platform="test",
                channel="C1",
                thread=state.thread,
                actor=BOB,
                message_id="M2",
                text="2.2: about 40",
            )
        )
        await scene.confirm()
        await scene.worker.drain()
    first, second = server.received
    assert second.message["In-Reply-To"] == first.message["Message-ID"]
    body = second.message.get_body(("plain",))
    assert body is not None
    assert "Changed since then: 2.2." in body.get_content()


async def test_two_person_rule(store: ReportStore) -> None:
    with smtp_server() as (server, port):
        scene = Scene(
            store,
            port,
            Policy(
                approvers=frozenset({PersonKey("test", "", BOB.id)}), require_second_approver=True
            ),
        )
        await scene.start()
        await scene.confirm()
        await scene.press_confirm(scene.event_id())  # the same approver again
        assert await scene.worker.drain() == 0
        assert any("different approver" in t for t in scene.chat.texts("ephemeral"))
        await scene.press_confirm(scene.event_id(), actor=BOB)
        assert await scene.worker.drain() == 1
    (received,) = server.received
    (submission,) = await store.submissions(scene.report_id)
    assert submission.confirmed_by == (ALICE, BOB)
    assert received.message["X-TLP"] == "TLP:AMBER"


async def test_smime_encrypted_delivery_decrypts_for_jcdc(store: ReportStore) -> None:
    certificate, key = make_identity("CISA.JCDC@cisa.dhs.gov")
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        scene.worker.smime = Smime(encrypt_to=certificate)
        await scene.start()
        await scene.confirm()
        await scene.worker.drain()
    (received,) = server.received
    assert received.message.get_content_type() == "application/pkcs7-mime"
    inner = pkcs7.pkcs7_decrypt_smime(received.data, certificate, key, [])
    assert b"report.json" in inner


async def test_an_outcome_a_stopped_worker_did_not_tell_is_told_once(store: ReportStore) -> None:
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.confirm()
        # A worker that dies between marking the submission sent and telling the thread:
        # here, one that has no runner to tell through.
        silent = scene.make_worker(port)
        silent.runner = None
        await silent.drain()
    assert len(server.received) == 1
    assert scene.thread_says("Sent to JCDC") == 0
    # The next worker (after the restart) finds the untold outcome, and tells it once.
    assert await scene.worker.reconcile() == 1
    assert await scene.worker.reconcile() == 0
    assert scene.thread_says("Sent to JCDC") == 1
    state = await scene.state()
    assert state.status is ReportStatus.SENT


async def test_the_outcome_is_written_into_the_confirmation_after_a_restart(
    store: ReportStore,
) -> None:
    """Confirm pressed on the confirmation message; the bot restarts before the e-mail goes
    out. The new process still knows that message (saved with the report) and writes the
    outcome into it: no new post for a send that went as expected."""
    with smtp_server() as (server, port):
        scene = Scene(store, port)
        await scene.start()
        await scene.runner.handle(
            CommandIssued(
                event_id=scene.event_id(),
                platform="test",
                channel=scene.channel,
                actor=ALICE,
                text="send",
                report_id=scene.report_id,
            )
        )
        confirmation = scene.confirmation_message()
        await scene.press_confirm(scene.event_id(), message_id=confirmation)
        posts_before = scene.chat.texts("post")
        # The restart: a new runner and worker over the same database and chat.
        scene.runner = TurnRunner(
            store, scene.chat, small_checklist(), scene.policy, clock=scene.clock
        )
        scene.worker = scene.make_worker(port)
        assert await scene.worker.drain() == 1
    (received,) = server.received
    message_id = received.message["Message-ID"].strip()
    posts_after = scene.chat.texts("post")
    assert len(posts_after) == len(posts_before)
    assert scene.chat.edits[-1] == confirmation
    (edited,) = [line for line in scene.chat.transcript if line.message_id == confirmation]
    assert edited.text.startswith("Confirmed by Alice at ")
    assert "Sent to JCDC" in edited.text
    assert message_id in edited.text
    assert edited.buttons == ()
    assert scene.thread_says("Sent to JCDC") == 1
    assert (await scene.state()).status is ReportStatus.SENT
