"""The turn runner: route → load → engine → save (one transaction) → perform effects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.exc import OperationalError

from bot.ports import ChatPort
from conversations.checklist import Checklist
from conversations.commands import parse_command
from conversations.effects import (
    Effect,
    Ephemeral,
    FormRejected,
    OpenForm,
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
    RootPosted,
)
from conversations.policy import Policy
from conversations.state import Actor, ReportState
from storage.assembly import assemble
from storage.repository import DuplicateEvent, ReportStore, VersionConflict

log = logging.getLogger(__name__)

BOT_ACTOR = Actor(id="jcdc-bot", name="JCDC bot")
# Lost races (version conflicts, a busy SQLite file) are retried this many times.
_MAX_ATTEMPTS = 8

Outcome = Literal["handled", "duplicate", "ignored"]


@dataclass(frozen=True)
class TurnResult:
    outcome: Outcome
    step: Step | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class TurnRunner:
    def __init__(
        self,
        store: ReportStore,
        chat: ChatPort | Mapping[str, ChatPort],
        checklist: Checklist,
        policy: Policy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        # One chat port, or one per platform ("slack", "teams") when a server speaks several.
        self.chats: Mapping[str, ChatPort] | None = chat if isinstance(chat, Mapping) else None
        self.chat: ChatPort | None = None if isinstance(chat, Mapping) else chat
        self.checklist = checklist
        self.policy = policy
        self.clock = clock

    async def handle(self, event: Event) -> TurnResult:
        report_id = await self.route(event)
        if report_id is None and isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            # Ordinary channel traffic that is not in a report's thread: not ours.
            return TurnResult("ignored")
        result = await self._run_turn(event, report_id)
        if result.step is not None:
            state = result.step.state
            platform = state.platform if state is not None else event.platform
            await self.perform(result.step.effects, state, platform)
        return result

    async def route(self, event: Event) -> str | None:
        """Which report an event belongs to, if any."""
        if event.report_id is not None:
            return event.report_id
        if isinstance(event, CommandIssued):
            if parse_command(event.text).name == "new":
                return None
            if event.thread is not None:
                found = await self.store.find_by_thread(event.platform, event.channel, event.thread)
                if found is not None:
                    return found
            return await self.store.latest_open_in_channel(event.platform, event.channel)
        if event.thread is None:
            return None
        return await self.store.find_by_thread(event.platform, event.channel, event.thread)

    async def _run_turn(self, event: Event, report_id: str | None) -> TurnResult:
        for attempt in range(_MAX_ATTEMPTS):
            try:
                async with self.store.turn() as turn:
                    # No is_processed query first: save() records the event id with ON
                    # CONFLICT DO NOTHING and raises DuplicateEvent for a replay, which rolls
                    # the whole turn back before any effect is performed.
                    before = await turn.load_for_update(report_id) if report_id else None
                    result = step(before, event, self.checklist, self.clock(), self.policy)
                    changed = result.state != before or bool(result.audit)
                    saved = await turn.save(
                        before,
                        result.state if changed else None,
                        platform=event.platform,
                        event_id=event.event_id,
                        audit=result.audit,
                        submissions=[e for e in result.effects if isinstance(e, SubmitRequested)],
                    )
                # The report as this turn left it: saved when it changed, else as loaded.
                after = saved if changed else before
                return TurnResult("handled", Step(after, result.effects, result.audit))
            except DuplicateEvent:
                return TurnResult("duplicate")
            except (VersionConflict, OperationalError) as error:
                # Someone else's turn on the same report won the race: reload and run again.
                log.info("retrying turn %s after %s", event.event_id, type(error).__name__)
                await asyncio.sleep(0.005 * 2**attempt)
        raise RuntimeError(f"turn {event.event_id} lost the race {_MAX_ATTEMPTS} times")

    def chat_for(self, platform: str) -> ChatPort | None:
        if self.chat is not None:
            return self.chat
        assert self.chats is not None
        return self.chats.get(platform)

    async def perform(
        self, effects: tuple[Effect, ...], state: ReportState | None, platform: str
    ) -> None:
        """Carry out a turn's effects on `platform`; `state` is the report as the turn saved it."""
        chat = self.chat_for(platform)
        if chat is None:
            if effects:
                log.warning(
                    "no chat port for platform %r: %d effects dropped", platform, len(effects)
                )
            return
        for effect in effects:
            try:
                await self._perform(chat, effect, state)
            except Exception:
                # The turn is saved; a failed post must not undo it or stop the other effects.
                log.exception("could not perform %s", effect.kind)

    async def _perform(self, chat: ChatPort, effect: Effect, state: ReportState | None) -> None:
        match effect:
            case PostRoot():
                message_id = await chat.post_root(effect)
                await self.handle(
                    RootPosted(
                        event_id=f"root-posted:{effect.report_id}",
                        platform="internal",
                        channel=effect.channel,
                        actor=BOT_ACTOR,
                        report_id=effect.report_id,
                        message_id=message_id,
                    )
                )
            case UpdateRoot():
                await chat.update_root(effect)
            case Post():
                await chat.post(effect)
            case Ephemeral():
                await chat.ephemeral(effect)
            case OpenForm():
                await chat.open_form(effect)
            case FormRejected():
                await chat.reject_form(effect)
            case ShowPreview():
                # The turn just saved this report: no need to read it back.
                if state is not None and state.id == effect.report_id:
                    await chat.show_preview(effect, assemble(state, self.checklist, self.policy))
            case SubmitRequested():
                # Written to the submissions table in the turn's own transaction.
                log.info(
                    "report %s version %s queued for submission",
                    effect.report_id,
                    effect.report_version,
                )
