"""ReportState to table rows and back: pure functions, no I/O.

The repository decides which rows to write; this module only knows how one piece of state is
laid out in its table, so that `state_from_rows(rows_of(state)) == state`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, Table

from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import (
    Actor,
    Assignment,
    Contribution,
    DeliveryRecord,
    PendingAnswer,
    PostedQuestion,
    ReportState,
    ReportStatus,
    Resolution,
    SendRequest,
)
from storage.tables import metadata

reports: Table = metadata.tables["reports"]
contributions: Table = metadata.tables["contributions"]
assignments: Table = metadata.tables["assignments"]
audit_events: Table = metadata.tables["audit_events"]
processed_events: Table = metadata.tables["processed_events"]
submissions: Table = metadata.tables["submissions"]

# The engine's navigation state: read and written whole, never queried, so one JSON column.
NAVIGATION = frozenset(
    {
        "cursor",
        "guiding",
        "asked",
        "skipped",
        "questions",
        "pending",
        "resolutions",
        "send_request",
        "delivery",
    }
)


def report_values(state: ReportState) -> dict[str, Any]:
    return {
        "id": state.id,
        "platform": state.platform,
        "workspace": state.workspace,
        "channel": state.channel,
        "thread": state.thread,
        "title": state.title,
        "number": state.number,
        "status": state.status.value,
        "lead": state.lead.model_dump(),
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "checklist_version": state.checklist_version,
        "version": state.version,
        "navigation": state.model_dump(mode="json", include=set(NAVIGATION)),
    }


def contribution_values(report_id: str, position: int, c: Contribution) -> dict[str, Any]:
    return {
        "id": c.id,
        "report_id": report_id,
        "position": position,
        **contribution_content(c),
    }


# Every column of a contribution that a turn may change: all but its identity and its place.
CONTRIBUTION_CONTENT = (
    "item_id",
    "author_id",
    "author_name",
    "at",
    "via",
    "source_message_id",
    "raw",
    "value",
    "edited_at",
    "retracted_at",
    "retracted_reason",
    "note",
    "added_by_id",
    "added_by_name",
)


def contribution_content(c: Contribution) -> dict[str, Any]:
    return {
        "item_id": c.item_id,
        "author_id": c.author.id,
        "author_name": c.author.name,
        "at": c.at,
        "via": c.via,
        "source_message_id": c.source_message_id,
        "raw": c.raw,
        "value": c.value,
        "edited_at": c.edited_at,
        "retracted_at": c.retracted_at,
        "retracted_reason": c.retracted_reason,
        "note": c.note,
        "added_by_id": c.added_by.id if c.added_by else None,
        "added_by_name": c.added_by.name if c.added_by else None,
    }


def assignment_values(report_id: str, position: int, a: Assignment) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "section_id": a.section_id,
        "position": position,
        "assignee_id": a.assignee.id,
        "assignee_name": a.assignee.name,
        "by_id": a.by.id,
        "by_name": a.by.name,
        "at": a.at,
    }


def audit_values(report_id: str, entry: AuditEntry) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "at": entry.at,
        "actor_id": entry.actor.id,
        "actor_name": entry.actor.name,
        "action": entry.action,
        "item_id": entry.item_id,
        "detail": entry.detail,
    }


def audit_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=Actor(id=row.actor_id, name=row.actor_name),
        action=row.action,
        item_id=row.item_id,
        detail=row.detail,
    )


def submission_id(report_id: str, report_version: int) -> str:
    """One submission per report version: a replayed confirmation cannot queue a second send."""
    return f"{report_id}:{report_version}"


def submission_values(request: SubmitRequested, snapshot: ReportState) -> dict[str, Any]:
    return {
        "id": submission_id(request.report_id, request.report_version),
        "report_id": request.report_id,
        "report_version": request.report_version,
        "status": "pending",
        "requested_by": request.requested_by.model_dump(),
        "confirmed_by": [actor.model_dump() for actor in request.confirmed_by],
        "requested_at": request.at,
        "snapshot": snapshot.model_dump(mode="json"),
        "attempts": 0,
    }


def state_from_rows(
    report: Row[Any], contribution_rows: Iterable[Row[Any]], assignment_rows: Iterable[Row[Any]]
) -> ReportState:
    """Rebuild a report from its row and its child rows, each already in saved order."""
    navigation: dict[str, Any] = report.navigation
    send_request = navigation.get("send_request")
    return ReportState(
        id=report.id,
        platform=report.platform,
        workspace=report.workspace,
        channel=report.channel,
        thread=report.thread,
        title=report.title,
        number=report.number,
        purged_at=report.purged_at,
        lead=Actor.model_validate(report.lead),
        status=ReportStatus(report.status),
        created_at=report.created_at,
        updated_at=report.updated_at,
        checklist_version=report.checklist_version,
        cursor=navigation.get("cursor"),
        guiding=navigation.get("guiding", True),
        asked=tuple(navigation.get("asked", ())),
        skipped=tuple(navigation.get("skipped", ())),
        questions=tuple(PostedQuestion.model_validate(q) for q in navigation.get("questions", ())),
        pending=tuple(PendingAnswer.model_validate(p) for p in navigation.get("pending", ())),
        resolutions=tuple(Resolution.model_validate(r) for r in navigation.get("resolutions", ())),
        send_request=SendRequest.model_validate(send_request) if send_request else None,
        # Rows saved before deliveries were recorded have none: their next Send counts as a
        # change, as every Send did then.
        delivery=DeliveryRecord.model_validate(navigation.get("delivery") or {}),
        # Rows were validated on the way in; rebuilding thousands of them without validating
        # again keeps loading a report proportional to I/O rather than to pydantic.
        contributions=tuple(
            Contribution.model_construct(
                id=row.id,
                item_id=row.item_id,
                author=Actor.model_construct(id=row.author_id, name=row.author_name),
                at=row.at,
                via=row.via,
                source_message_id=row.source_message_id,
                raw=row.raw,
                value=row.value,
                edited_at=row.edited_at,
                retracted_at=row.retracted_at,
                retracted_reason=row.retracted_reason,
                note=row.note,
                added_by=(
                    Actor.model_construct(id=row.added_by_id, name=row.added_by_name or "")
                    if row.added_by_id is not None
                    else None
                ),
            )
            for row in contribution_rows
        ),
        assignments=tuple(
            Assignment(
                section_id=row.section_id,
                assignee=Actor(id=row.assignee_id, name=row.assignee_name),
                by=Actor(id=row.by_id, name=row.by_name),
                at=row.at,
            )
            for row in assignment_rows
        ),
        version=report.version,
    )
