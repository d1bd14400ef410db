"""What every translated event must fit before it goes any further: ids within what the
storage keeps (255 characters) and strings that are valid Unicode. Checked at the edge, so
that a payload that would fail in the database is refused as the sender's error instead."""

from __future__ import annotations

from adapters.safe_json import UnreadableJson, require_unicode
from conversations.events import Event

ID_MAX = 255


def misfit(event: Event) -> str | None:
    """Why `event` cannot be kept, or None when it can."""
    for value in (
        event.event_id,
        event.workspace,
        event.channel,
        event.thread or "",
        event.actor.id,
        getattr(event, "message_id", None) or "",
        # The author of a message added with "Add to JCDC report" is stored like the actor.
        getattr(getattr(event, "author", None), "id", ""),
    ):
        if len(value) > ID_MAX:
            return f"an id longer than {ID_MAX} characters"
    try:
        # Only reachable with a payload that did not come through `loads_bounded`, which
        # refuses such strings already: a lone surrogate would fail in the database later.
        require_unicode(event.model_dump())
    except UnreadableJson as error:
        return str(error)
    return None
