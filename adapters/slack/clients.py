"""Which Slack Web API client (which bot token) to use for a channel.

One workspace: one token from the environment. Several workspaces (OAuth installs): the
channel's workspace is remembered when Slack first tells us about it, and the workspace's
bot token comes from the installation store.
"""

from __future__ import annotations

from typing import Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.workspaces import ChannelDirectory, WorkspaceIds

SLACK_API_URL = "https://slack.com/api/"


def error_code(error: SlackApiError) -> str:
    """Slack's `error` string, or the HTTP status when the answer was not Slack's JSON."""
    data = error.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{error.response.status_code}"


class NoToken(LookupError):
    """No bot token is known for the channel's workspace (not installed, or uninstalled)."""


def retry_handlers() -> list[AsyncRetryHandler]:
    """Wait out 429s for as long as Retry-After says, and retry 5xx and dropped connections."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


# slack_sdk's own per-request timeout; it applies it only to the sessions it makes itself.
TIMEOUT_S = 30


class SlackHttp:
    """The process's one HTTP session to Slack's Web API: one connection pool, kept alive
    between calls, instead of the new session (and TCP + TLS handshake) that slack_sdk opens
    for every call when it is given none. Made on first use, because aiohttp sessions belong
    to a running event loop; `close()` on shutdown. A call still made after that gets a
    session of its own from slack_sdk (which uses a given session only while it is open)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Like slack_sdk's own sessions; it passes a configured proxy with each request.
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        return self._session

    def client(self, token: str | None, base_url: str = SLACK_API_URL) -> AsyncWebClient:
        """A Web API client on the shared session (call it with the event loop running)."""
        return web_client(token, base_url, session=self.session())

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def web_client(
    token: str | None,
    base_url: str = SLACK_API_URL,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """Without `session`, slack_sdk opens (and closes) a session per call: fine for a one-off
    call, not for a turn's worth of them."""
    # slack_sdk wants the trailing slash; a configured URL may lack it.
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base,
        timeout=TIMEOUT_S,
        session=session,
        retry_handlers=retry_handlers(),
    )


class SlackClients(Protocol):
    async def for_channel(self, channel: str) -> AsyncWebClient: ...

    async def for_workspace(self, workspace: WorkspaceIds) -> AsyncWebClient:
        """The client with the workspace's bot token (raises NoToken when there is none)."""
        ...

    async def installed(self, workspace: WorkspaceIds) -> bool:
        """Is the app installed in this workspace (has it a bot token there)?"""
        ...


class SingleWorkspace:
    def __init__(self, token: str, http: SlackHttp, base_url: str = SLACK_API_URL) -> None:
        self.token = token
        self.http = http
        self.base_url = base_url
        self._client: AsyncWebClient | None = None

    async def for_channel(self, channel: str) -> AsyncWebClient:
        # Built on first use (in the event loop), on the process's shared session.
        if self._client is None:
            self._client = self.http.client(self.token, self.base_url)
        return self._client

    async def for_workspace(self, workspace: WorkspaceIds) -> AsyncWebClient:
        return await self.for_channel("")

    async def installed(self, workspace: WorkspaceIds) -> bool:
        return True  # the one workspace whose token we were given


class Installations:
    def __init__(
        self,
        store: AsyncInstallationStore,
        channels: ChannelDirectory,
        base_url: str,
        http: SlackHttp,
    ) -> None:
        self.store = store
        self.channels = channels
        self.base_url = base_url
        self.http = http
        self._by_token: dict[str, AsyncWebClient] = {}

    async def installed(self, workspace: WorkspaceIds) -> bool:
        bot = await self.store.async_find_bot(
            enterprise_id=workspace.enterprise_id, team_id=workspace.team_id
        )
        return bot is not None and bool(bot.bot_token)

    async def for_channel(self, channel: str) -> AsyncWebClient:
        workspace = await self.channels.workspace_of(channel)
        if workspace is None:
            raise NoToken(f"no workspace is known for channel {channel}")
        return await self.for_workspace(workspace)

    async def for_workspace(self, workspace: WorkspaceIds) -> AsyncWebClient:
        bot = await self.store.async_find_bot(
            enterprise_id=workspace.enterprise_id, team_id=workspace.team_id
        )
        if bot is None or not bot.bot_token:
            raise NoToken(
                f"workspace {workspace.team_id or workspace.enterprise_id} has no installation"
            )
        client = self._by_token.get(bot.bot_token)
        if client is None:
            client = self._by_token[bot.bot_token] = self.http.client(bot.bot_token, self.base_url)
        return client
