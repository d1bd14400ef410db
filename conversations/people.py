"""Who is who: a person is (platform, workspace, user id), never a bare user id.

User ids are only unique inside one Slack workspace or Teams tenant: the same `U0456` can be a
different person in another workspace, and a Teams id can equal a Slack one. So every "is this
the lead / an approver / the same person" decision compares full keys. The person acting in a
turn is keyed by where the event came from; the people a report records (lead, authors,
assignees, confirmers) are plain `Actor`s and belong to the report's own platform and workspace.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from conversations.state import Actor


class PersonKey(NamedTuple):
    platform: str
    workspace: str
    user: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user}"


class Space(NamedTuple):
    """Where people live: a platform and a workspace (Slack team or org, Teams tenant)."""

    platform: str
    workspace: str

    def key(self, actor: Actor) -> PersonKey:
        return PersonKey(self.platform, self.workspace, actor.id)


PERSON_KEY_FORM = "platform:workspace:user"
# Platform names are words (slack, teams): this also keeps a bare Teams id such as
# `29:1abc:...` from passing for a full key.
_PLATFORM = re.compile(r"[a-z][a-z0-9_-]*")
# The platform of the bot's own events (root posted, delivery outcomes): nobody acts there.
INTERNAL_PLATFORM = "internal"


def parse_person_key(entry: str) -> PersonKey:
    """`slack:T0123:U0456` or `teams:<tenant>:29:1abc` (Teams user ids contain colons, so
    only the first two colons separate)."""
    text = entry.strip()
    parts = [part.strip() for part in text.split(":", 2)]
    if (
        len(parts) != 3
        or not all(parts)
        or not _PLATFORM.fullmatch(parts[0])
        or parts[0] == INTERNAL_PLATFORM
    ):
        raise ValueError(
            f"{text!r} is not a person: write {PERSON_KEY_FORM}, "
            "e.g. slack:T0123:U0456 or teams:<tenant-id>:29:1abc"
        )
    return PersonKey(*parts)


def report_space(platform: str, workspace: str, event_platform: str, event_workspace: str) -> Space:
    """The space a report's recorded people belong to.

    A report from before workspaces were recorded has workspace "": the runner binds it by
    platform and channel alone, so an event from its platform that reached it comes from the
    channel's (unrecorded) workspace, and the report's people are taken to live there too.
    Without this its lead could never act on it again.
    """
    if not workspace and event_platform == platform:
        return Space(platform, event_workspace)
    return Space(platform, workspace)
