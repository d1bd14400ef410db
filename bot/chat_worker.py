"""The chat worker: performs the effects committed turns left in the chat outbox.

One task per lane (a channel) performs its effects in order, paced per platform, while this
replica holds the lane's lease; a sweeper picks up lanes that nobody works on (after a crash,
a failed attempt, or effects another replica wrote after its lane task had finished). A turn
hands its new effects over at once (`wake`), so in the usual case nothing waits for a sweep.

Effects are performed at least once: a replica that dies after a post but before marking it
done posts it again after the lease runs out (or at once, when the same replica restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import utc_now
from bot.pacing import ChannelPacer
from bot.ports import ChatPort
from conversations.checklist import Checklist
from conversations.effects import (
    EditPost,
    Effect,
    Ephemeral,
    FormRejected,
    OpenForm,
    OpenShortcutForm,
    Post,
    PostRoot,
    ReplacePrivate,
    ShowPreview,
    UpdateRoot,
)
from conversations.policy import Policy
from conversations.state import ReportState
from documents.assembly import assemble
from storage.chat_outbox import (
    LANE_KIND,
    ChatOutbox,
    NewEffect,
    PendingEffect,
    enqueue_taking_lane,
)
from storage.lanes import take_lane
from storage.transient import is_transient

log = logging.getLogger(__name__)

EFFECT = TypeAdapter[Effect](Effect)
# Performs a posted root's follow-up turn (RootPosted) and marks the PostRoot effect done in
# that turn's transaction.
RootPosted = Callable[[PendingEffect, PostRoot, str], Awaitable[None]]
# Likewise for a posted question (QuestionPosted): its id and the platform's time of it.
QuestionPosted = Callable[[PendingEffect, Post, str, datetime], Awaitable[None]]
LoadReport = Callable[[str], Awaitable[ReportState | None]]


@dataclass(frozen=True)
class Lease:
    """A chat lane leased for this replica, and the channel's pacing schedule it came with."""

    free_at: datetime | None


@dataclass(frozen=True)
class Pacing:
    per_second: float
    burst: int


@dataclass(frozen=True)
class ChatRetry:
    # A failed effect is tried again after these delays, then given up (and logged).
    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    # How long a lane's lease lasts unless renewed; renewed while the lane is worked on.
    lease: timedelta = timedelta(seconds=30)
    # The sweeper looks for lanes nobody works on this often ...
    sweep_every: float = 1.0
    # ... and only at effects older than this (younger ones are their writer's to perform).
    sweep_after: timedelta = timedelta(seconds=2)
    # Performed effects are kept this long, then purged.
    keep_done: timedelta = timedelta(days=7)
    purge_every: float = 3600.0


class ChatWorker:
    def __init__(
        self,
        outbox: ChatOutbox,
        chats: Mapping[str, ChatPort] | ChatPort,
        *,
        checklist: Checklist,
        policy: Policy,
        load_report: LoadReport,
        pacing: Mapping[str, Pacing] | None = None,
        retry: ChatRetry | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.outbox = outbox
        self.chats = chats
        self.checklist = checklist
        self.policy = policy
        self.load_report = load_report
        self.retry = retry or ChatRetry()
        self.clock = clock
        self.pacers = {
            platform: ChannelPacer(p.per_second, p.burst, clock=self._seconds)
            for platform, p in (pacing or {}).items()
        }
        self.root_posted: RootPosted | None = None
        self.question_posted: QuestionPosted | None = None
        self._lanes: dict[str, asyncio.Task[None]] = {}
        # Effects committed by this replica's turns, handed over so that they are performed
        # without being read back; and lanes whose lease such a turn already took.
        self._handed: dict[str, dict[int, PendingEffect]] = {}
        self._leased: dict[str, datetime | None] = {}
        # Lanes woken while their task was finishing: it looks once more before it ends.
        self._again: set[str] = set()
        # Questions this replica posted, by (report, item): for platforms that give no time
        # of a message (so no QuestionPosted turn records its id) an edit still finds it.
        self._questions: dict[tuple[str, str], str] = {}
        self.performed = 0
        self.given_up = 0

    def _seconds(self) -> float:
        return self.clock().timestamp()

    def chat_for(self, platform: str) -> ChatPort | None:
        if isinstance(self.chats, Mapping):
            return self.chats.get(platform)
        return self.chats

    async def lease_in(self, connection: AsyncConnection, lane: str, now: datetime) -> Lease | None:
        """Inside a turn's transaction: lease `lane` for this replica along with the effects
        the turn writes there. The lane's pacing schedule when it is ours now, else None."""
        taken, free_at = await take_lane(
            connection, LANE_KIND, lane, self.outbox.owner, now, self.retry.lease
        )
        return Lease(free_at) if taken else None

    async def enqueue_leasing(
        self, connection: AsyncConnection, effect: NewEffect, now: datetime
    ) -> tuple[int, Lease | None]:
        """Inside a turn's transaction: a turn's one effect written and its lane leased as
        `lease_in` leases it (one round trip on PostgreSQL)."""
        effect_id, taken, free_at = await enqueue_taking_lane(
            connection, effect, self.outbox.owner, now, self.retry.lease
        )
        return effect_id, Lease(free_at) if taken else None

    def hand_over(self, lane: str, effects: list[PendingEffect], lease: Lease | None) -> None:
        """A turn committed `effects` on `lane`: perform them (when the lane is ours)."""
        if lease is None:
            return  # another replica holds the lane: its worker performs these too
        self._handed.setdefault(lane, {}).update((e.id, e) for e in effects)
        task = self._lanes.get(lane)
        if task is None or task.done():
            self._leased[lane] = lease.free_at
        self.wake(lane)

    def wake(self, lane: str) -> None:
        """Work on `lane` now (its task is started, or told to look again)."""
        task = self._lanes.get(lane)
        if task is not None and not task.done():
            self._again.add(lane)
            return
        self._lanes[lane] = asyncio.create_task(self._work(lane), name=f"chat:{lane}")

    def lanes(self) -> list[str]:
        return [lane for lane, task in self._lanes.items() if not task.done()]

    def busy(self) -> bool:
        return bool(self.lanes())

    async def drain(self, lanes: set[str]) -> None:
        """Wait until this replica has nothing left to do on `lanes`."""
        while True:
            running = [t for lane in lanes if (t := self._lanes.get(lane)) and not t.done()]
            if not running:
                return
            await asyncio.wait(running)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep for abandoned lanes and keep this replica's leases alive until `stop`."""
        with contextlib.suppress(Exception):
            await self.outbox.forget_own_leases()
        last_purge = 0.0
        while not stop.is_set():
            try:
                await self._sweep()
                if time.monotonic() - last_purge > self.retry.purge_every:
                    last_purge = time.monotonic()
                    gone = await self.outbox.purge(self.clock() - self.retry.keep_done)
                    if gone:
                        log.info("purged %d performed effects from the chat outbox", gone)
            except Exception as error:
                if not is_transient(error):
                    log.exception("chat outbox sweep failed")
                else:
                    log.warning(
                        "chat outbox sweep: database unavailable (%s)", type(error).__name__
                    )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.retry.sweep_every)
        await self.close()

    async def close(self, within: float = 10.0) -> None:
        tasks = [t for t in self._lanes.values() if not t.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=within)
        for task in tasks:
            task.cancel()
        # Awaited once cancelled, so that what they held (a database connection) is given
        # back before the database is closed; and so are the finishes they left to be written.
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.outbox.close()

    async def _sweep(self) -> None:
        now = self.clock()
        mine = [lane for lane, task in self._lanes.items() if not task.done()]
        await self.outbox.renew(mine, now + self.retry.lease)  # none held: no transaction
        for lane in await self.outbox.waiting_lanes(now, self.retry.sweep_after, limit=100):
            self.wake(lane)
        self._lanes = {lane: t for lane, t in self._lanes.items() if not t.done()}

    async def _work(self, lane: str) -> None:
        try:
            # Woken again after its last look but before it let go: take the lane again
            # rather than leave what was just written to the sweeper.
            while await self._work_lane(lane):
                pass
        except Exception as error:
            # The effects stay in the outbox; the sweeper comes back for them.
            if is_transient(error):
                log.warning("chat lane %s paused: database unavailable (%r)", lane, error)
            else:
                log.exception("chat lane %s stopped", lane)

    async def _work_lane(self, lane: str) -> bool:
        """Perform the lane's effects until it is empty; True when it was woken meanwhile."""
        if lane in self._leased:
            free_at = self._leased.pop(lane)  # the turn that handed effects over took it
        else:
            taken, free_at = await self.outbox.take(lane, self.clock(), self.retry.lease)
            if not taken:
                self._handed.pop(lane, None)
                return False  # another replica works this lane; it performs ours too
        platform = lane.partition(":")[0]
        pacer = self.pacers.get(platform)
        channel = lane.partition(":")[2]
        if pacer is not None:
            pacer.resume(channel, free_at.timestamp() if free_at else None)
        while True:
            self._again.discard(lane)
            handed = self._handed.pop(lane, None)
            if handed:
                effects = sorted(handed.values(), key=lambda e: e.id)
            else:
                effects = await self.outbox.pending(lane, self.clock())
                # What was read back may also have been handed over meanwhile: once only.
                for pending in effects:
                    self._handed.get(lane, {}).pop(pending.id, None)
            done: list[int] = []
            errors: dict[int, str] = {}
            retry_in: float | None = None
            superseded = _superseded_root_updates(effects)
            for pending in effects:
                if pending.id in superseded:
                    done.append(pending.id)  # a later update of the same root follows
                    continue
                try:
                    await self._perform(pending, pacer, channel)
                except Exception as error:
                    delays = self.retry.delays
                    if pending.attempts < len(delays) and not self._permanent(pending, error):
                        retry_in = delays[pending.attempts]
                        log.warning(
                            "effect %s on %s failed (%r); retrying in %.1fs",
                            pending.id,
                            lane,
                            error,
                            retry_in,
                        )
                        await self.outbox.failed_attempt(
                            pending, repr(error), self.clock() + timedelta(seconds=retry_in)
                        )
                        break  # the lane waits: nothing after it goes first
                    log.warning(
                        "effect %s on %s given up after %d attempts: %r",
                        pending.id,
                        lane,
                        pending.attempts + 1,
                        error,
                    )
                    self.given_up += 1
                    errors[pending.id] = repr(error)
                    done.append(pending.id)
                else:
                    self.performed += 1
                    done.append(pending.id)
            schedule = pacer.schedule(channel) if pacer is not None else None
            released = await self.outbox.finish(
                lane,
                done,
                errors,
                datetime.fromtimestamp(schedule, UTC) if schedule is not None else None,
                self.clock(),
                self.retry.lease,
            )
            if released:
                return lane in self._again or bool(self._handed.get(lane))
            if retry_in is not None:
                await asyncio.sleep(retry_in)
            elif not effects:
                await asyncio.sleep(0.2)  # what is left is not due yet

    def _permanent(self, pending: PendingEffect, error: Exception) -> bool:
        chat = self.chat_for(pending.platform)
        judge = getattr(chat, "permanent_failure", None)
        return isinstance(error, LookupError) or bool(judge is not None and judge(error))

    async def _perform(
        self, pending: PendingEffect, pacer: ChannelPacer | None, channel: str
    ) -> None:
        chat = self.chat_for(pending.platform)
        if chat is None:
            raise LookupError(f"no chat port for platform {pending.platform!r}")
        effect = EFFECT.validate_python(pending.effect)
        # A preview shared in the thread is a post like any other there.
        posts = isinstance(effect, Post | PostRoot) or (
            isinstance(effect, ShowPreview) and effect.here
        )
        if pacer is not None and posts and pending.attempts == 0:
            await pacer.wait(channel)
        match effect:
            case PostRoot():
                message_id = await chat.post_root(effect)
                if self.root_posted is not None:
                    await self.root_posted(pending, effect, message_id)
            case UpdateRoot():
                await chat.update_root(effect)
            case Post():
                message_id = await chat.post(effect)
                if effect.question is not None and pending.report_id is not None:
                    self._questions[(pending.report_id, effect.question)] = message_id
                at = _message_time(chat, message_id) if effect.question is not None else None
                if at is not None and self.question_posted is not None:
                    await self.question_posted(pending, effect, message_id, at)
            case EditPost():
                await self._edit(chat, effect)
            case ReplacePrivate():
                await chat.replace_private(effect)
            case Ephemeral():
                await chat.ephemeral(effect)
            case OpenForm():
                await chat.open_form(effect)
            case OpenShortcutForm():
                await chat.open_shortcut_form(effect)
            case FormRejected():
                await chat.reject_form(effect)
            case ShowPreview():
                state = await self.load_report(effect.report_id)
                if state is not None:
                    await chat.show_preview(effect, assemble(state, self.checklist, self.policy))
            case _:
                log.warning("effect %s of kind %s is not a chat effect", pending.id, effect.kind)

    async def _edit(self, chat: ChatPort, effect: EditPost) -> None:
        """Edit the message in place; when it cannot be found (a question whose post was
        given up, a message deleted in the platform), post the text instead: what the edit
        says (an answer recorded, a send confirmed) must reach the thread either way."""
        message_id = effect.message_id or await self._question_message(effect)
        if message_id is not None:
            try:
                await chat.edit(effect, message_id)
                return
            except LookupError:
                log.info("message %s of report %s is gone: posting", message_id, effect.report_id)
        await chat.post(
            Post(
                channel=effect.channel,
                thread=effect.thread,
                text=effect.text,
                buttons=effect.buttons,
            )
        )

    async def _question_message(self, effect: EditPost) -> str | None:
        """The id of the question message an edit is for: the newest one recorded for its
        item (its QuestionPosted turn ran before, in this lane), else one this replica
        posted."""
        if effect.question is None:
            return None
        state = await self.load_report(effect.report_id)
        if state is not None:
            # Never the root's question (its message id is the root's): the root is the
            # report's summary, not a question to rewrite.
            posted = [
                q
                for q in state.questions
                if q.item_id == effect.question and q.message_id and not q.on_root
            ]
            if posted:
                return max(posted, key=lambda q: q.at).message_id
        return self._questions.get((effect.report_id, effect.question))


def _message_time(chat: ChatPort, message_id: str) -> datetime | None:
    """The platform's own time of a message it just gave this id, when the adapter can tell
    (Slack ts, Teams message ids): replies are bound to questions by that clock."""
    read = getattr(chat, "message_time", None)
    at = read(message_id) if read is not None else None
    return at if isinstance(at, datetime) else None


def _superseded_root_updates(effects: list[PendingEffect]) -> set[int]:
    """Root updates followed by a later update of the same root in the same batch: only the
    last one needs to reach the platform (each carries the whole card)."""
    latest: dict[str, int] = {}
    for pending in effects:
        if pending.effect.get("kind") == "update_root":
            latest[str(pending.effect.get("message_id"))] = pending.id
    return {
        pending.id
        for pending in effects
        if pending.effect.get("kind") == "update_root"
        and latest[str(pending.effect.get("message_id"))] != pending.id
    }
