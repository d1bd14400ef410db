"""The turn runner: route → one transaction { take the delivery; keep the platform addresses
it brought; load; check where the event comes from; engine; save; queue the effects; settle
the delivery } → perform the effects.

Everything a turn decides is written in that one transaction: the report, the inbox
delivery it settles, the addresses it brought (a Slack channel's workspace, a Teams
conversation reference) and the effects it wants performed (the chat outbox). Effects are
performed after the commit by the chat worker, so a crash between commit and post means the
post happens after the restart, never that it silently disappears.

Several deliveries waiting in one lane for the same report (a burst of replies in its thread)
are one such turn (`handle_batch`): one load, the engine's steps one after another, one save,
one root update, and every delivery taken and settled in the one transaction. Anything a batch
cannot hold (a replay, a refusal, a submission request, a command) ends it, or sends its
deliveries back one by one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot import logs
from bot.binding import Access, access_of, refusal
from bot.chat_worker import EFFECT, ChatRetry, ChatWorker, Lease, Pacing
from bot.clock import utc_now
from bot.ports import ChatPort
from conversations import actions
from conversations.addresses import AddressesOnly
from conversations.checklist import Checklist
from conversations.commands import COMMANDS, parse_command
from conversations.coordination import ANOTHER, UNFINISHED
from conversations.effects import (
    Effect,
    Ephemeral,
    FormRejected,
    OpenForm,
    OpenShortcutForm,
    Post,
    PostRoot,
    ShowPreview,
    SubmitRequested,
    UpdateRoot,
)
from conversations.engine import Step, step
from conversations.events import (
    CommandIssued,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    QuestionPosted,
    RootPosted,
    ShortcutInvoked,
)
from conversations.policy import Policy
from conversations.richtext import rich
from conversations.state import Actor, ReportState, ReportStatus
from storage import inbox
from storage.chat_outbox import ChatOutbox, NewEffect, PendingEffect, enqueue, settle_effect
from storage.inbox import InboxEntry
from storage.repository import DuplicateEvent, ReportStore, ReportTransaction, VersionConflict
from storage.transient import is_transient

log = logging.getLogger(__name__)

BOT_ACTOR = Actor(id="jcdc-bot", name="JCDC bot")
# Lost races (version conflicts, a busy SQLite file) are retried this many times.
_MAX_ATTEMPTS = 8
# A database that keeps failing with connection errors is given this many tries (with
# backoff, about 3 s in all) before the caller hears DatabaseUnavailable.
_MAX_TRANSIENT = 5

_SORRY = (
    "Something went wrong on my side and your last message was not recorded. Nothing you "
    "entered earlier is lost; please try again in a moment."
)

# busy: another turn has (or had) the delivery; later: an earlier delivery of its lane first.
Outcome = Literal["handled", "duplicate", "ignored", "refused", "busy", "later"]


class DatabaseUnavailable(Exception):
    """The database could not be reached for a while; nothing of the turn was written."""


@dataclass(frozen=True)
class TurnResult:
    outcome: Outcome
    step: Step | None = None
    # The chat lanes the turn queued effects on.
    lanes: frozenset[str] = field(default_factory=frozenset)
    # False when, as the turn took its delivery, no unfinished one waited behind it in its
    # lane: the inbox worker need not read the lane again (True: nothing is known).
    more_in_lane: bool = True


# A stored delivery's event → its turn (the inbox worker's way into the runner). Typed with
# the TurnResult: whatever the edge must answer (a modal's field errors) is decided before the
# delivery is stored, so nothing travels back beside the result.
Dispatch = Callable[[Event, InboxEntry], Awaitable[TurnResult]]
# Several waiting deliveries of one lane, in order → the results of those it processed, from
# the first (at least one); raises NotBatched when they must go one by one instead.
BatchDispatch = Callable[[Sequence[tuple[Event, InboxEntry]]], Awaitable[list[TurnResult]]]


class NotBatched(Exception):
    """These deliveries cannot be one turn (a replay among them, say): run them one by one,
    each with its own retries and failures. Nothing of the batch was written."""


# What a batch may hold: replies in a report's thread. Commands, clicks and forms (which may
# open dialogs, ask which report, start a report or request a submission) go one by one.
_BATCHABLE = (MessagePosted, MessageEdited, MessageDeleted)


def _one_root_update(steps: Sequence[Step]) -> tuple[Effect, ...]:
    """The steps' effects in order, with only the last update of each root message: it shows
    the card as the last step left it."""
    effects = [effect for s in steps for effect in s.effects]
    last = {e.message_id: n for n, e in enumerate(effects) if isinstance(e, UpdateRoot)}
    return tuple(
        e for n, e in enumerate(effects) if not isinstance(e, UpdateRoot) or last[e.message_id] == n
    )


def effect_lane(platform: str, effect: Effect) -> str:
    """Effects of one channel go out in order: their lane is the channel. Form errors go to
    the person, wherever they are."""
    if isinstance(effect, FormRejected):
        return f"{platform}:user:{effect.user.id}"
    channel: str = getattr(effect, "channel", "")
    return f"{platform}:{channel}"


class TurnRunner:
    def __init__(
        self,
        store: ReportStore,
        chat: ChatPort | Mapping[str, ChatPort],
        checklist: Checklist,
        policy: Policy,
        clock: Callable[[], datetime] = utc_now,
        *,
        owner: str = "local",
        pacing: Mapping[str, Pacing] | None = None,
        chat_retry: ChatRetry | None = None,
    ) -> None:
        self.store = store
        self.checklist = checklist
        self.policy = policy
        self.clock = clock
        # One chat port, or one per platform ("slack", "teams") when a server speaks several.
        self.chat_worker = ChatWorker(
            ChatOutbox(store.database, owner),
            chat,
            checklist=checklist,
            policy=policy,
            load_report=store.load,
            pacing=pacing,
            retry=chat_retry,
        )
        self.chat_worker.root_posted = self._root_posted
        self.chat_worker.question_posted = self._question_posted

    async def handle(
        self,
        event: Event,
        *,
        delivery: InboxEntry | None = None,
        settles_effect: int | None = None,
        wait: bool = True,
    ) -> TurnResult:
        """Run one turn. `delivery`: the inbox delivery it settles; `settles_effect`: the chat
        effect it settles; `wait`: return only once the effects are performed."""
        report_id = await self.route(event)
        logs.about_report(report_id)
        if report_id is None and isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            # Ordinary channel traffic that is not in a report's thread: not ours, but the
            # platform addresses it brought are kept, with the delivery's settling.
            if delivery is not None:
                await self.keep_addresses(delivery, AddressesOnly(addresses=event.addresses))
            return TurnResult("ignored")
        result = await self._run_turn(event, report_id, delivery, settles_effect)
        if wait:
            await self.chat_worker.drain(set(result.lanes))
        return result

    async def handle_batch(
        self, deliveries: Sequence[tuple[Event, InboxEntry]]
    ) -> list[TurnResult]:
        """Several deliveries waiting in one lane, in arrival order: those at its head that
        are replies in the same report's thread are processed as one turn (one load, the
        engine's steps one after another, one save, one root update, every delivery settled
        in the same transaction); the results of the ones processed, from the first. A first
        delivery that starts no such run is processed alone, as `handle` would."""
        first, entry = deliveries[0]
        report_id = await self.route(first) if isinstance(first, _BATCHABLE) else None
        run = [(first, entry)]
        if report_id is not None:
            for event, delivery in deliveries[1:]:
                if not isinstance(event, _BATCHABLE) or await self.route(event) != report_id:
                    break
                run.append((event, delivery))
        if len(run) == 1:
            return [await self.handle(first, delivery=entry, wait=False)]
        assert report_id is not None
        logs.about_report(report_id)
        races = transient = 0
        while True:
            try:
                return await self._batch_once(run, report_id, locked=races > 0)
            except DuplicateEvent:
                raise NotBatched("a replay among the batch") from None
            except VersionConflict:
                races += 1
                if races >= _MAX_ATTEMPTS:
                    raise NotBatched(f"lost the race {_MAX_ATTEMPTS} times") from None
                await asyncio.sleep(0.005 * 2**races)
            except Exception as error:
                if not is_transient(error):
                    raise
                transient += 1
                if transient >= _MAX_TRANSIENT:
                    raise DatabaseUnavailable(f"batch of {len(run)}: {error!r}") from error
                log.info("retrying a batch of %d after %s", len(run), type(error).__name__)
                await asyncio.sleep(min(0.1 * 2**transient, 2.0))

    async def _batch_steps(
        self, before: ReportState, run: Sequence[tuple[Event, InboxEntry]], report_id: str
    ) -> list[Step]:
        """The engine's steps, each from the state the previous one left, for as long as each
        is an ordinary change (a refusal or a submission request ends the run there)."""
        steps: list[Step] = []
        state = before
        for event, _ in run:
            access, result = await self._step(state, event, report_id)
            if access is Access.REFUSED or result.state is None:
                break
            if any(isinstance(e, SubmitRequested) for e in result.effects):
                break
            steps.append(result)
            state = result.state
        return steps

    async def _batch_once(
        self, run: list[tuple[Event, InboxEntry]], report_id: str, *, locked: bool
    ) -> list[TurnResult]:
        first = run[0][0]
        if not locked:
            before = await self.store.load_committed(report_id)
            if before is None:
                raise NotBatched(f"report {report_id} is gone")
            steps = await self._batch_steps(before, run, report_id)
        async with self.store.transaction() as transaction:
            connection = transaction.connection
            taken = await inbox.take_run(connection, [d.id for _, d in run], run[0][1].lane)
            if taken == "gone" or taken == "not_head":
                return [TurnResult("busy" if taken == "gone" else "later")]
            run = run[:taken]
            if not locked:
                steps = steps[:taken]
            await transaction.save_addresses(
                [a for event, _ in run for a in event.addresses], utc_now()
            )
            if locked:
                before = await transaction.load_for_update(report_id)
                if before is None:
                    raise NotBatched(f"report {report_id} is gone")
                steps = await self._batch_steps(before, run, report_id)
            if not steps:
                raise NotBatched("the first delivery is no ordinary change")
            run = run[: len(steps)]
            final = steps[-1].state
            audit = tuple(entry for s in steps for entry in s.audit)
            changed = final != before or bool(audit)
            saved = await transaction.save(
                before,
                final if changed else None,
                platform=first.platform,
                event_id=first.event_id,
                batched_events=[event.event_id for event, _ in run[1:]],
                audit=audit,
                submissions=(),
            )
            after = saved if changed else before
            queued = await self._queue_effects(
                transaction, first, after, _one_root_update(steps), Access.BOUND
            )
            await inbox.settle_all(connection, [d.id for _, d in run], "handled", utc_now())
        for lane, (effects, lease) in queued.items():
            self.chat_worker.hand_over(lane, effects, lease)
        lanes = frozenset(queued)
        return [TurnResult("handled", Step(after, s.effects, s.audit), lanes) for s in steps]

    async def keep_addresses(self, delivery: InboxEntry, found: AddressesOnly) -> None:
        """Settle a delivery that is no turn, keeping the addresses it brought in the same
        transaction."""
        async with self.store.transaction() as transaction:
            await transaction.save_addresses(found.addresses, utc_now())
            await inbox.settle(transaction.connection, delivery.id, inbox.IGNORED, utc_now())

    async def store_settle(self, delivery: InboxEntry, outcome: str) -> None:
        await inbox.Inbox(self.store.database).settle_alone(delivery.id, outcome, utc_now())

    async def route(self, event: Event) -> str | None:
        """Which report an event is about, if any. A report id in the payload is only a hint:
        the turn checks that the event may touch that report (bot.binding)."""
        if event.report_id is not None:
            return event.report_id
        if isinstance(event, CommandIssued):
            parsed = parse_command(event.text)
            name = parsed.name
            if name == "new":
                # A second `new` is shown the channel's open report first (it asks);
                # `new another <title>` starts one regardless.
                if parsed.argument.lower().startswith(f"{ANOTHER} "):
                    return None
                # Only unfinished reports: a started report must never replace a loaded one.
                return await self.store.latest_in_channel(
                    event.platform, event.channel, [s.value for s in UNFINISHED]
                )
            if parsed.reference is not None:
                # Named on purpose (`/jcdc status #2`): that report, wherever it was typed.
                return await self.store.find_by_number(
                    event.platform, event.channel, parsed.reference
                )
            if event.thread is not None:
                found = await self.store.find_by_thread(event.platform, event.channel, event.thread)
                if found is not None:
                    return found
            if name == "reopen":
                # Only a cancelled report can be reopened; with none, the open one answers
                # that it is not cancelled.
                cancelled = await self.store.latest_in_channel(
                    event.platform, event.channel, (ReportStatus.CANCELLED.value,)
                )
                if cancelled is not None:
                    return cancelled
            if self._asks_which(event):
                # Several open and nothing says which: no report, and the step asks (_step).
                choices = await self.store.open_in_channel(event.platform, event.channel)
                if len(choices) > 1:
                    return None
            return await self.store.latest_open_in_channel(event.platform, event.channel)
        if isinstance(event, ShortcutInvoked):
            return await self._shortcut_report(event)
        if event.thread is None:
            return None
        return await self.store.find_by_thread(event.platform, event.channel, event.thread)

    async def _shortcut_report(self, event: ShortcutInvoked) -> str | None:
        """ "Add to JCDC report" on a message: the report whose thread it is in, else the
        channel's one open report; with several, none (the form offers them all)."""
        if event.thread is not None:
            found = await self.store.find_by_thread(event.platform, event.channel, event.thread)
            if found is not None:
                return found
        if self._asks_which(event):
            choices = await self.store.open_in_channel(event.platform, event.channel)
            if len(choices) > 1:
                return None
        return await self.store.latest_open_in_channel(event.platform, event.channel)

    async def _run_turn(
        self,
        event: Event,
        report_id: str | None,
        delivery: InboxEntry | None,
        settles_effect: int | None,
    ) -> TurnResult:
        races = transient = 0
        # First from the cached state as it is (no query for its version): save() checks
        # the version in the turn's own statements. A cache that was behind (another
        # replica's turn, a retention purge) costs one attempt, run again at once from the
        # database: that was no race lost.
        trust_cache = True
        while True:
            try:
                # After a lost race, the step is computed under the lock: progress is certain
                # however many turns want the same report at once.
                return await self._turn_once(
                    event,
                    report_id,
                    delivery,
                    settles_effect,
                    locked=races > 0,
                    trust_cache=trust_cache,
                )
            except DuplicateEvent:
                if delivery is not None:
                    await self.store_settle(delivery, inbox.DUPLICATE)
                return TurnResult("duplicate")
            except VersionConflict:
                if trust_cache:
                    trust_cache = False
                    continue
                # Someone else's turn on the same report won the race: reload and run again.
                races += 1
                if races >= _MAX_ATTEMPTS:
                    raise RuntimeError(
                        f"turn {event.event_id} lost the race {_MAX_ATTEMPTS} times"
                    ) from None
                await asyncio.sleep(0.005 * 2**races)
            except Exception as error:
                if not is_transient(error):
                    raise
                transient += 1
                if transient >= _MAX_TRANSIENT:
                    raise DatabaseUnavailable(f"turn {event.event_id}: {error!r}") from error
                log.info("retrying turn %s after %s", event.event_id, type(error).__name__)
                await asyncio.sleep(min(0.1 * 2**transient, 2.0))

    @staticmethod
    def _asks_which(event: Event) -> bool:
        """Whether a command, issued where several reports are open, must ask which one: it
        acts on a report, and neither a report's thread nor a `#n` says which. The message
        shortcut always may: its form offers the channel's open reports.

        Asked only once no report's thread was found for the event: any thread will not do.
        A Teams channel post is its own thread's root (`;messageid=<its id>`), so a new post
        `@JCDC tlp red` has a thread that is no report's, and says no more than a Slack
        slash command does."""
        if isinstance(event, ShortcutInvoked):
            return True
        if not isinstance(event, CommandIssued):
            return False
        parsed = parse_command(event.text)
        spec = COMMANDS.find(parsed.name)
        return spec is not None and spec.needs_report and parsed.reference is None

    async def _step(
        self, before: ReportState | None, event: Event, report_id: str | None
    ) -> tuple[Access, Step]:
        access = await access_of(self.store, before, event, report_id)
        if access is Access.REFUSED:
            return access, refusal(before, event, self.clock())
        # A report started in this turn gets a random id: ids derived from what a platform
        # makes public (trigger ids, timestamps) could be guessed. Only a command starts one,
        # so only a command needs the channel's next number (save() checks it is still free).
        number = (
            await self.store.next_number(event.platform, event.channel)
            if isinstance(event, CommandIssued)
            else None
        )
        return access, step(
            before,
            event,
            self.checklist,
            self.clock(),
            self.policy,
            new_report_id=str(uuid.uuid4()),
            new_report_number=number,
            open_reports=(
                await self.store.open_in_channel(event.platform, event.channel)
                if report_id is None and self._asks_which(event)
                else ()
            ),
        )

    async def _turn_once(
        self,
        event: Event,
        report_id: str | None,
        delivery: InboxEntry | None,
        settles_effect: int | None,
        *,
        locked: bool,
        trust_cache: bool = False,
    ) -> TurnResult:
        # Usually the step is computed from the report as last committed, outside the write
        # transaction, and save() refuses it (VersionConflict, and the turn runs again) if
        # another turn committed a newer version meanwhile: the write transaction then holds
        # SQLite's one write lock (or PostgreSQL's row lock) for the writes alone. `locked`:
        # load and step inside the transaction, under the lock.
        verified = locked or not trust_cache
        if not locked:
            before = (
                await self.store.load_committed(report_id, trust_cache=trust_cache)
                if report_id
                else None
            )
            access, result = await self._step(before, event, report_id)
        more_in_lane = True
        async with self.store.transaction() as transaction:
            connection = transaction.connection
            if delivery is not None:
                if locked:
                    taken = await inbox.take(connection, delivery.id, delivery.lane)
                else:
                    # The outcome is known before anything is written: the delivery is taken
                    # and settled by one statement (undone with the rest on a rollback).
                    taken, more_in_lane = await inbox.take_settling(
                        connection,
                        delivery.id,
                        delivery.lane,
                        inbox.REFUSED if access is Access.REFUSED else inbox.HANDLED,
                        utc_now(),
                    )
                if taken != "taken":
                    return TurnResult("busy" if taken == "gone" else "later")
            # Where the delivery's channel and people can be reached later, with the turn:
            # a refusal's answer and the effects below are sent through them.
            await transaction.save_addresses(event.addresses, utc_now())
            if locked:
                before = await transaction.load_for_update(report_id) if report_id else None
                access, result = await self._step(before, event, report_id)
            refused = access is Access.REFUSED
            changed = not refused and (result.state != before or bool(result.audit))
            # No is_processed query first: save() records the event id with ON CONFLICT DO
            # NOTHING and raises DuplicateEvent for a replay, which rolls the whole turn back
            # before anything is queued.
            saved = await transaction.save(
                before,
                result.state if changed else None,
                platform=event.platform,
                event_id=event.event_id,
                audit=result.audit if not refused else (),
                submissions=[e for e in result.effects if isinstance(e, SubmitRequested)],
                verified=verified,
            )
            if refused and before is not None and result.audit:
                # The attempt is kept in the report's audit trail (who, from where), and only
                # that: the report itself stays as it was.
                await transaction.audit_only(before.id, result.audit)
            # The report as this turn left it: saved when it changed, else as loaded.
            after = saved if changed else before
            queued = await self._queue_effects(transaction, event, after, result.effects, access)
            now = utc_now()
            outcome: Outcome = "refused" if refused else "handled"
            if delivery is not None and locked:
                await inbox.settle(connection, delivery.id, outcome, now)
            if settles_effect is not None:
                await settle_effect(connection, settles_effect, now)
        # Committed: the chat worker may perform them now, without reading them back.
        for lane, (effects, lease) in queued.items():
            self.chat_worker.hand_over(lane, effects, lease)
        return TurnResult(
            outcome,
            Step(after, result.effects, result.audit),
            frozenset(queued),
            more_in_lane=more_in_lane,
        )

    async def _queue_effects(
        self,
        transaction: ReportTransaction,
        event: Event,
        state: ReportState | None,
        effects: tuple[Effect, ...],
        access: Access,
    ) -> dict[str, tuple[list[PendingEffect], Lease | None]]:
        """Write the turn's effects to the chat outbox and lease their lanes for this replica
        (in the turn's own transaction: no transaction more per turn for either)."""
        # A refusal answers where the event came from; everything else goes where the report
        # lives (which, for a bound event, is where it came from too).
        platform = (
            state.platform if state is not None and access is not Access.REFUSED else event.platform
        )
        if platform == "internal":
            platform = state.platform if state is not None else platform
        rows = [
            NewEffect(
                platform=platform,
                lane=effect_lane(platform, effect),
                report_id=state.id if state is not None else None,
                effect=EFFECT.dump_python(effect, mode="json"),
            )
            for effect in effects
            # Written to the submissions table by save(), in this same transaction.
            if not isinstance(effect, SubmitRequested)
        ]
        now = utc_now()
        connection = transaction.connection
        leases: dict[str, Lease | None] = {}
        if len(rows) == 1:
            # The usual turn's one effect: written and its lane leased together.
            effect_id, leases[rows[0].lane] = await self.chat_worker.enqueue_leasing(
                connection, rows[0], now
            )
            ids = [effect_id]
        else:
            ids = await enqueue(connection, rows, now)
        queued: dict[str, tuple[list[PendingEffect], Lease | None]] = {}
        for row, effect_id in zip(rows, ids, strict=True):
            pending = PendingEffect(
                id=effect_id,
                platform=row.platform,
                lane=row.lane,
                report_id=row.report_id,
                effect=row.effect,
                attempts=0,
            )
            queued.setdefault(row.lane, ([], None))[0].append(pending)
        for lane, (pending_effects, _) in list(queued.items()):
            if lane in leases:
                lease = leases[lane]
            else:
                lease = await self.chat_worker.lease_in(connection, lane, now)
            queued[lane] = (pending_effects, lease)
        if state is not None and access is not Access.REFUSED:
            for effect in effects:
                if (
                    isinstance(effect, OpenForm | OpenShortcutForm)
                    or (isinstance(effect, Ephemeral) and effect.buttons)
                    or (isinstance(effect, ShowPreview) and not effect.here)
                ):
                    # A private surface of this report: its submits and clicks (a private
                    # preview's page buttons too) may come back from a modal or a personal
                    # chat (see bot.binding).
                    await transaction.grant(
                        state.platform, state.workspace, effect.user.id, state.id, now
                    )
        if state is None and access is Access.OPEN:
            for effect in effects:
                if isinstance(effect, Ephemeral):
                    for button in effect.buttons:
                        if button.action == actions.RUN_ON_REPORT:
                            # "Which report?" offers the event's channel's own open reports;
                            # on Teams the notice is in a personal chat, whence its buttons
                            # are clicked.
                            report = button.value.partition(":")[0]
                            await transaction.grant(
                                event.platform, event.workspace, effect.user.id, report, now
                            )
        return queued

    async def apologise(self, event: Event) -> None:
        """Tell the person that what they sent could not be processed (given up after
        repeated failures); nothing of it was recorded."""
        notice = Ephemeral(
            channel=event.channel, thread=event.thread, user=event.actor, text=rich(_SORRY)
        )
        row = NewEffect(
            platform=event.platform,
            lane=effect_lane(event.platform, notice),
            report_id=event.report_id,
            effect=EFFECT.dump_python(notice, mode="json"),
        )
        async with self.store.database.writing() as connection:
            await enqueue(connection, [row], utc_now())
        self.chat_worker.wake(row.lane)

    async def _question_posted(
        self, pending: PendingEffect, effect: Post, message_id: str, at: datetime
    ) -> None:
        """A question is posted: record its id and time (replies written after it answer it)
        in a turn that also marks the Post done. Losing it only means replies to it are bound
        by the cursor, so after a few tries it is given up (the post is not repeated)."""
        if pending.report_id is None or effect.question is None:
            return
        event = QuestionPosted(
            event_id=f"question-posted:{pending.report_id}:{message_id}",
            platform="internal",
            channel=effect.channel,
            thread=effect.thread,
            actor=BOT_ACTOR,
            report_id=pending.report_id,
            item_id=effect.question,
            message_id=message_id,
            sent_at=at,
        )
        for attempt in range(5):
            try:
                await self.handle(event, settles_effect=pending.id, wait=False)
            except DatabaseUnavailable:
                await asyncio.sleep(min(0.5 * 2**attempt, 5.0))
                continue
            return
        log.warning("question %s of report %s posted, time not saved", message_id, event.report_id)

    async def _root_posted(self, pending: PendingEffect, effect: PostRoot, message_id: str) -> None:
        """The root message exists: record its id (the thread) in a turn that also marks the
        PostRoot effect done, so that a restart does not post the root twice."""
        event = RootPosted(
            event_id=f"root-posted:{effect.report_id}",
            platform="internal",
            channel=effect.channel,
            actor=BOT_ACTOR,
            report_id=effect.report_id,
            message_id=message_id,
        )
        for attempt in range(20):
            try:
                result = await self.handle(event, settles_effect=pending.id, wait=False)
            except DatabaseUnavailable:
                # The root is posted; losing its id now would post it again later. Keep trying.
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
                continue
            # A duplicate (the id was saved before) needs nothing more: the lane marks the
            # effect done with the rest of its batch.
            del result
            return
        raise DatabaseUnavailable(f"root of report {effect.report_id} posted, id not saved")
