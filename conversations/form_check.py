"""A submitted form's field errors, from the checklist alone (pure, and quick enough for the
moment before Slack is answered): what `parse_answer` refuses, by item id.

The turn checks again with the report at hand (who may set the TLP, whether the report is
still open); this is only what can be said before anything is stored, so that a modal can
stay open with the reasons under its fields.
"""

from __future__ import annotations

from datetime import datetime

from conversations.answers import Accepted, TimeContext, parse_answer
from conversations.checklist import Checklist
from conversations.events import FormSubmitted


def field_errors(
    checklist: Checklist, event: FormSubmitted, now: datetime | None = None
) -> dict[str, str]:
    """`now` (the time of the check) lets times be written as the turn will read them: without a
    zone, or relative to now; without it, a time must carry its zone."""
    context = None if now is None else TimeContext(now, event.tz)
    section = checklist.find_section(event.section_id)
    if section is None:
        return {}  # the turn explains that the section is unknown
    errors: dict[str, str] = {}
    for item in section.items:
        text = event.values.get(item.id, "").strip()
        if not text:
            continue
        parsed = parse_answer(item, text, context)
        if not isinstance(parsed, Accepted):
            errors[item.id] = parsed.reason
    return errors
