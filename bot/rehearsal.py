"""A turn computed and thrown away: what an event would do to a report as last committed.

Teams waits for a dialog in the HTTP answer to its invoke (adapters.teams.task_module), so
the form, or the refusal, has to be known before anything is stored. This runs the very
checks and engine of a stored turn (bot.binding's access, then `conversations.engine.step`)
on the committed report, without a transaction: nothing is saved, no effect is queued, no
grant is written. The stored turn that may follow decides again, on the report as it is then.

One thing is kept: a refusal's audit line. A refused attempt on a report is on its audit
trail (who, from where) whether it came as a card submit (a stored turn) or as a dialog,
which is answered from here and never stored.
"""

from __future__ import annotations

from adapters.intake import Unavailable
from bot.binding import Access, access_of, refusal
from bot.runner import TurnRunner
from conversations.engine import Step, step
from conversations.events import ButtonPressed, FormSubmitted
from storage.transient import is_transient


class RehearsedTurns:
    def __init__(self, runner: TurnRunner) -> None:
        self.runner = runner

    async def rehearse(self, event: ButtonPressed | FormSubmitted) -> Step:
        runner = self.runner
        try:
            report_id = await runner.route(event)
            before = await runner.store.load_committed(report_id) if report_id else None
            access = await access_of(runner.store, before, event, report_id)
        except Exception as error:
            if not is_transient(error):
                raise
            raise Unavailable(f"{type(error).__name__}: {error}") from error
        now = runner.clock()
        if access is Access.REFUSED:
            refused = refusal(before, event, now)
            if before is not None:
                await self._keep(before.id, refused)
            return refused
        return step(before, event, runner.checklist, now, runner.policy)

    async def processed(self, event: FormSubmitted) -> bool:
        """Whether a stored turn has already handled `event` (a replayed invoke)."""
        try:
            return await self.runner.store.is_processed(event.platform, event.event_id)
        except Exception as error:
            if not is_transient(error):
                raise
            raise Unavailable(f"{type(error).__name__}: {error}") from error

    async def _keep(self, report_id: str, refused: Step) -> None:
        """The refusal's audit line, and only that: the report stays as it was."""
        try:
            async with self.runner.store.transaction() as transaction:
                await transaction.audit_only(report_id, refused.audit)
        except Exception as error:
            if not is_transient(error):
                raise
            raise Unavailable(f"{type(error).__name__}: {error}") from error
