"""Where the bot may post: the `serviceUrl`s of the Bot Connector, on an allow-list.

An activity names the URL its replies go to. Without a check, whoever can get an activity
stored (a forged one in local mode, a compromised tenant) could make the bot POST its access
token to any host. So the bot only talks to Microsoft's documented Bot Framework / Teams
service hosts (`DEFAULT_SERVICE_HOSTS`), or to the patterns configured instead
(`JCDC_TEAMS_SERVICE_URLS`, comma-separated), and in local mode to loopback only.

A pattern is `scheme://host`, where the host may start with `*.` (any subdomain); ports
and paths are not part of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

# https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages
# (Teams' regional smba hosts, the government clouds) and the Bot Framework's channel hosts.
DEFAULT_SERVICE_HOSTS = (
    "https://smba.trafficmanager.net",
    "https://*.botframework.com",
    "https://smba.infra.gcc.teams.microsoft.com",
    "https://smba.infra.gov.teams.microsoft.us",
    "https://smba.infra.dod.teams.microsoft.us",
    "https://*.botframework.us",
    "https://*.botframework.azure.us",
)
LOOPBACK_SERVICE_HOSTS = (
    "http://127.0.0.1",
    "https://127.0.0.1",
    "http://localhost",
    "https://localhost",
    "http://::1",
    "https://::1",
)


class ServiceUrls:
    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip().rstrip("/").lower() for p in patterns if p.strip())

    def allows(self, url: str) -> bool:
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host or parts.username is not None:
            return False
        origin = f"{parts.scheme}://{host.lower()}"
        return any(fnmatchcase(origin, pattern) for pattern in self.patterns)


def parse_patterns(value: str) -> tuple[str, ...]:
    """`JCDC_TEAMS_SERVICE_URLS` as patterns (empty: the defaults)."""
    return tuple(p.strip() for p in value.split(",") if p.strip())
