"""Retention on both backends: an old finished report loses its answers, keeps its tombstone and
the audit trail of who did what; everything else is left as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import ReportState, ReportStatus
from storage.repository import ReportStore
from storage.retention import audit_events, contributions, inbox, purge, reports, submissions
from tests.storage.states import ALICE, BOB, T0, create, rich_state, save

ANSWER = "exfiltrated via hxxp://secret-answer[.]example"
LATER = T0 + timedelta(days=400)
YEAR = timedelta(days=365)
KEEP = timedelta(days=7)


def _finished(report_id: str, status: ReportStatus = ReportStatus.SENT) -> ReportState:
    state = rich_state(report_id)
    # Contribution ids are unique across reports.
    own = tuple(c.model_copy(update={"id": f"{report_id}-{c.id}"}) for c in state.contributions)
    # One report per thread (a unique index): each gets a root message of its own.
    return state.model_copy(
        update={
            "status": status,
            "updated_at": T0,
            "contributions": own,
            "thread": f"{report_id}.root",
        }
    )


def _answer_entry() -> AuditEntry:
    return AuditEntry(
        at=T0,
        actor=BOB,
        action="answer_recorded",
        item_id="detection.iocs",
        detail={"contribution": "c2", "via": "guided", "raw": ANSWER},
    )


async def _report_with_submission(
    store: ReportStore, report_id: str, submission_status: str = "sent"
) -> None:
    saved = await create(store, _finished(report_id), f"E0-{report_id}")
    request = SubmitRequested(
        report_id=report_id,
        report_version=saved.version + 1,
        requested_by=ALICE,
        confirmed_by=(ALICE,),
        at=T0,
    )
    await save(
        store, saved, saved, f"E-{report_id}", audit=[_answer_entry()], submissions=[request]
    )
    async with store.database.writing() as connection:
        await connection.execute(
            update(submissions)
            .where(submissions.c.report_id == report_id)
            .values(status=submission_status, message=ANSWER.encode(), message_id="<m1@x>")
        )


async def test_an_old_sent_report_keeps_its_tombstone_and_who_did_what(
    store: ReportStore,
) -> None:
    await _report_with_submission(store, "r-old")
    before = await store.audit_trail("r-old")
    version = (await store.load("r-old")).version  # type: ignore[union-attr]

    result = await purge(store.database, now=LATER, retention=YEAR, keep_processed=KEEP)

    assert result.reports == ("r-old",)
    assert result.contributions == 4
    assert result.audit_entries == len(before) == 2
    after = await store.audit_trail("r-old")
    assert [(e.at, e.actor, e.action, e.item_id) for e in after] == [
        (e.at, e.actor, e.action, e.item_id) for e in before
    ]
    assert after[1].detail == {"contribution": "c2", "via": "guided", "purged": ["raw"]}
    assert ANSWER not in repr(after)
    state = await store.load("r-old")
    assert state is not None
    assert state.contributions == ()
    assert state.resolutions == ()
    assert state.send_request is None
    assert state.version == version + 1
    assert state.purged_at == LATER
    assert state.title == _finished("r-old").title
    assert state.delivery == _finished("r-old").delivery  # the Message-ID of the last send
    async with store.database.engine.connect() as connection:
        row = (await connection.execute(select(reports).where(reports.c.id == "r-old"))).one()
        assert row.purged_at == LATER
        sent = (await connection.execute(select(submissions))).one()
        assert (sent.snapshot, sent.message) == ({}, None)
        assert (sent.status, sent.message_id) == ("sent", "<m1@x>")
        left = (await connection.execute(select(contributions))).all()
        assert left == []

    again = await purge(store.database, now=LATER, retention=YEAR, keep_processed=KEEP)
    assert again.reports == ()


async def test_the_database_still_refuses_to_rewrite_or_delete_the_audit_trail(
    store: ReportStore,
) -> None:
    await _report_with_submission(store, "r-old")
    await purge(store.database, now=LATER, retention=YEAR, keep_processed=KEEP)
    changes = [
        update(audit_events).values(actor_name="Mallory"),
        update(audit_events).values(detail={"raw": "forged"}),  # a second redaction
        delete(audit_events),
    ]
    for change in changes:
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.database.writing() as connection:
                await connection.execute(change)
    assert len(await store.audit_trail("r-old")) == 2


async def test_a_dry_run_counts_and_changes_nothing(store: ReportStore) -> None:
    await _report_with_submission(store, "r-old")
    result = await purge(
        store.database, now=LATER, retention=YEAR, keep_processed=KEEP, dry_run=True
    )
    assert (result.reports, result.contributions, result.audit_entries) == (("r-old",), 4, 2)
    state = await store.load("r-old")
    assert state is not None
    assert len(state.contributions) == 4
    assert ANSWER in repr(await store.audit_trail("r-old"))


async def test_recent_open_and_still_sending_reports_and_the_default_keep_everything(
    store: ReportStore,
) -> None:
    await create(store, _finished("r-cancelled", ReportStatus.CANCELLED), "E1")
    await create(store, _finished("r-recent").model_copy(update={"updated_at": LATER}), "E2")
    await create(store, _finished("r-open", ReportStatus.OPEN), "E3")
    await _report_with_submission(store, "r-sending", submission_status="pending")

    assert (
        await purge(store.database, now=LATER, retention=None, keep_processed=KEEP)
    ).reports == ()
    result = await purge(store.database, now=LATER, retention=YEAR, keep_processed=KEEP)
    assert result.reports == ("r-cancelled",)
    for kept in ("r-recent", "r-open", "r-sending"):
        state = await store.load(kept)
        assert state is not None
        assert len(state.contributions) == 4


async def test_processed_inbox_deliveries_go_on_their_own_schedule(store: ReportStore) -> None:
    def delivery(n: int, done: bool) -> dict[str, object]:
        return {
            "platform": "slack",
            "delivery_id": f"d{n}",
            "lane": "slack:C1",
            "payload": {},
            "received_at": T0,
            "attempts": 0,
            "done_at": LATER - timedelta(days=n) if done else None,
            "outcome": "handled" if done else None,
        }

    async with store.database.writing() as connection:
        await connection.execute(
            insert(inbox), [delivery(1, True), delivery(10, True), delivery(30, False)]
        )
    dry = await purge(store.database, now=LATER, retention=None, keep_processed=KEEP, dry_run=True)
    assert dry.inbox_deliveries == 1
    result = await purge(store.database, now=LATER, retention=None, keep_processed=KEEP)
    assert result.inbox_deliveries == 1
    async with store.database.engine.connect() as connection:
        left = (await connection.execute(select(inbox.c.delivery_id))).scalars().all()
    assert sorted(left) == ["d1", "d30"]
