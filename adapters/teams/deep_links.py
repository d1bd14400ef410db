"""Deep links into Teams: the way back from a personal chat to the report's thread.

Teams opens a channel thread from a link to its root message,
`https://teams.microsoft.com/l/message/{channelId}/{messageId}?...` (Microsoft's "Deep link to
Teams chat"). A channel message's id is its creation time in milliseconds, so the same id
serves as `parentMessageId` and `createdTime`. The tenant comes from the stored conversation
reference; the team's group id and names are optional and not stored, so they are left out.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

TEAMS_LINK_BASE = "https://teams.microsoft.com/l/message"


def thread_link(channel: str, thread: str, tenant: str = "") -> str:
    """A link that opens the thread whose root message is `thread` in `channel`."""
    query = {"parentMessageId": thread, "createdTime": thread}
    if tenant:
        query = {"tenantId": tenant, **query}
    path = f"{quote(channel, safe='')}/{quote(thread, safe='')}"
    return f"{TEAMS_LINK_BASE}/{path}?{urlencode(query)}"
