"""Logging for operators: plain text on a terminal, or one JSON object per line
(`JCDC_LOG_FORMAT=json`, python-json-logger) for a log collector.

Every line logged while a turn runs carries the turn's platform, delivery id and inbox row and,
once known, its report id; the turn's last line (`turn finished`) adds its outcome. A turn that
processes several deliveries at once (bot.runner.TurnRunner.handle_batch) logs with its first
delivery's fields while it runs, then one `turn finished` line for each delivery, with that
delivery's own fields and outcome. The fields
come from a context variable, so code deep inside a turn logs as usual and still says which
turn it belongs to.

What never goes into a log line at INFO: answer text (what people typed) and credentials. The
turn lines carry ids and outcomes only; settings mask their secrets (bot/settings.py).
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

if TYPE_CHECKING:  # the runner reports its report id here: no import cycle at run time
    from collections.abc import Sequence

    from bot.runner import BatchDispatch, Dispatch, TurnResult
    from conversations.events import Event
    from storage.inbox import InboxEntry

log = logging.getLogger("bot.turns")

TURN_FIELDS = ("platform", "delivery_id", "inbox_id", "report_id", "outcome")
# The fields of the turn running in this task (a dict per turn, filled in as it goes).
_turn: ContextVar[dict[str, object] | None] = ContextVar("jcdc_turn", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(turn)s"


class TurnFields(logging.Filter):
    """Puts the current turn's fields on every record (as attributes, for the JSON formatter,
    and as one `turn` suffix for the text format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _turn.get() or {}
        for name in TURN_FIELDS:
            if name in fields and not hasattr(record, name):
                setattr(record, name, fields[name])
        shown = " ".join(f"{k}={fields[k]}" for k in TURN_FIELDS if k in fields)
        record.turn = f" [{shown}]" if shown else ""
        return True


def configure(log_format: Literal["text", "json"], stream: object = None) -> None:
    """Log INFO and above to standard error in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.addFilter(TurnFields())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                # ISO 8601 in UTC, from the record's own time.
                timestamp="time",
                rename_fields={"levelname": "level", "name": "logger"},
                # `turn` is the text format's suffix; JSON has the fields themselves.
                reserved_attrs=[*RESERVED_ATTRS, "turn"],
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # ioc-finder logs two INFO lines for every answer it parses (with the answer in them).
    logging.getLogger("ioc_finder").setLevel(logging.WARNING)


def about_report(report_id: str | None) -> None:
    """The running turn turned out to be about this report: later lines say so."""
    fields = _turn.get()
    if fields is not None and report_id is not None:
        fields["report_id"] = report_id


def _delivery_fields(event: Event, entry: InboxEntry) -> dict[str, object]:
    """What every line of a delivery's turn carries (the report once the event names it)."""
    fields: dict[str, object] = {
        "platform": entry.platform,
        "delivery_id": entry.delivery_id,
        "inbox_id": entry.id,
    }
    if event.report_id is not None:
        fields["report_id"] = event.report_id
    return fields


def logging_turns(handle: Dispatch) -> Dispatch:
    """`handle` with its turn's fields on every line it logs, and one line when it is done."""

    async def logged(event: Event, entry: InboxEntry) -> TurnResult:
        fields = _delivery_fields(event, entry)
        token = _turn.set(fields)
        started = time.perf_counter()
        try:
            result = await handle(event, entry)
        finally:
            _turn.reset(token)
        state = result.step.state if result.step is not None else None
        if state is not None:
            fields["report_id"] = state.id
        fields["outcome"] = result.outcome
        _finished(fields, event, result.outcome, (time.perf_counter() - started) * 1000)
        return result

    return logged


def logging_batches(handle: BatchDispatch) -> BatchDispatch:
    """`handle` (several deliveries, one turn) with the first delivery's fields on every line
    it logs, and one `turn finished` line for each delivery it processed."""

    async def logged(deliveries: Sequence[tuple[Event, InboxEntry]]) -> list[TurnResult]:
        first, entry = deliveries[0]
        fields = _delivery_fields(first, entry)
        token = _turn.set(fields)
        started = time.perf_counter()
        try:
            results = await handle(deliveries)
        finally:
            _turn.reset(token)
        elapsed = (time.perf_counter() - started) * 1000
        together = f" (one turn for {len(results)} deliveries)" if len(results) > 1 else ""
        for (event, delivery), result in zip(deliveries, results, strict=False):
            state = result.step.state if result.step is not None else None
            line = _delivery_fields(event, delivery)
            report_id = state.id if state is not None else fields.get("report_id")
            if report_id is not None:
                line["report_id"] = report_id
            line["outcome"] = result.outcome
            _finished(line, event, result.outcome, elapsed, together)
        return results

    return logged


def _finished(
    fields: dict[str, object], event: Event, outcome: str, elapsed_ms: float, note: str = ""
) -> None:
    """The last line of a delivery's turn, carrying its fields and outcome."""
    token = _turn.set(fields)
    try:
        log.info(
            "turn finished: %s %s in %.0f ms%s", type(event).__name__, outcome, elapsed_ms, note
        )
    finally:
        _turn.reset(token)
