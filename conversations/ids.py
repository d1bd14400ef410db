"""Deterministic ids derived from platform event ids, so replays and retries change nothing."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("3f0c7a52-5d0e-4b8e-9a57-6f1d2a9c0b11")


def report_id_for(platform: str, event_id: str) -> str:
    """A report id derived from the event that started it: for tests and property tests only.

    Slack trigger ids and timestamps are no secret, so an id derived from them can be guessed;
    real turns get a random id from the runner (`step(..., new_report_id=...)`).
    """
    return str(uuid.uuid5(_NAMESPACE, f"report:{platform}:{event_id}"))


def contribution_id_for(platform: str, event_id: str, item_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{platform}:{event_id}:{item_id}"))
