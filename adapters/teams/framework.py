"""The Microsoft 365 Agents SDK behind a few typed functions. The only module that imports
the SDK (`microsoft_agents.*`, besides the benchmark's baseline), so that an SDK change
touches this file alone.

- Inbound: `authenticate` checks the request's token with `adapters.teams.auth` (stricter
  than the SDK's own validator; see there why). The bot never answers inside the inbound
  turn (every effect is sent proactively), so the SDK's turn pipeline, and with it any SDK
  error handler that would post exception text into a chat, is never run.
- Outbound: one SDK `ConnectorClient` over one long-lived aiohttp session (keep-alive) per
  service URL, made once (a new client costs more CPU than the call), each with its own
  bounded timeouts (never the default thread pool), at most `PER_CONVERSATION`
  calls in flight per conversation, and only to service URLs on the allow-list
  (`adapters.teams.service_urls`). A hung or refusing connector slows only the conversations
  it serves.
- The app's access token comes from the SDK's MSAL provider, fetched at start and renewed in
  the background before it expires, so that no post waits for a login.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from microsoft_agents.activity import Activity, ChannelAccount, ConversationParameters
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import ConnectorClient
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes
from pydantic import SecretStr, ValidationError

from adapters.teams.auth import BOT_FRAMEWORK_METADATA, KeySet, TokenValidator, Unauthorized
from adapters.teams.service_urls import (
    DEFAULT_SERVICE_HOSTS,
    LOOPBACK_SERVICE_HOSTS,
    ServiceUrls,
)

log = logging.getLogger(__name__)

Json = dict[str, Any]
# The resource and scope of the Bot Connector's access tokens.
BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# Calls in flight per conversation: effects of one lane are sent in order anyway; this
# keeps a burst of personal notices from piling connections onto one hung connector.
PER_CONVERSATION = 2
CONNECTOR_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5, sock_connect=5, sock_read=15)
# Renew the access token this long before it expires.
TOKEN_RENEW_BEFORE_SECONDS = 600
TOKEN_TIMEOUT_SECONDS = 30

# The app's outbound token: a callable for tests (a fixed token, no Microsoft login).
TokenSource = Callable[[], Awaitable[str]]

__all__ = [
    "BadActivity",
    "BotFramework",
    "ConnectorError",
    "TeamsSettings",
    "TokenSource",
    "Unauthorized",
]


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Azure registration, under the Bot Framework's own environment names, and
    where it may post."""

    app_id: str = ""
    # Unwrapped only where it is handed to MSAL, so repr() never shows it.
    app_password: SecretStr = field(default_factory=lambda: SecretStr(""))
    tenant_id: str = ""
    # MultiTenant, SingleTenant or UserAssignedMSI.
    app_type: str = "MultiTenant"
    # `scheme://host` patterns of the service URLs the bot may post to (service_urls.py);
    # empty: Microsoft's hosts, or loopback only without an app id (local mode).
    service_urls: tuple[str, ...] = ()
    # Where the signing keys of inbound tokens are published (tests point it at loopback).
    openid_metadata_url: str = BOT_FRAMEWORK_METADATA

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    def allowed_service_urls(self) -> ServiceUrls:
        if self.service_urls:
            return ServiceUrls(self.service_urls)
        return ServiceUrls(DEFAULT_SERVICE_HOSTS if self.authenticated else LOOPBACK_SERVICE_HOSTS)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> TeamsSettings:
        return cls(
            app_id=environ.get("MicrosoftAppId", ""),
            app_password=SecretStr(environ.get("MicrosoftAppPassword", "")),
            tenant_id=environ.get("MicrosoftAppTenantId", ""),
            app_type=environ.get("MicrosoftAppType", "") or "MultiTenant",
        )


class BadActivity(ValueError):
    """An outgoing activity the SDK cannot read (a bug of ours, not the sender's)."""


class ConnectorError(Exception):
    """The Bot Connector refused or could not be reached, or may not be posted to."""


class NotFound(ConnectorError, LookupError):
    """The Bot Connector has no such conversation or message (HTTP 404)."""


class _AccessToken:
    """The app's token for the Bot Connector: fetched ahead of time, shared by every call."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token and time.time() < self._expires - TOKEN_RENEW_BEFORE_SECONDS:
            return self._token
        async with self._lock:
            if not self._token or time.time() >= self._expires - TOKEN_RENEW_BEFORE_SECONDS:
                try:
                    token = await asyncio.wait_for(self._source(), TOKEN_TIMEOUT_SECONDS)
                except Exception as error:
                    raise ConnectorError(f"no access token: {type(error).__name__}") from None
                self._token, self._expires = token, _expiry(token)
            return self._token

    async def renew_forever(self) -> None:
        while True:
            try:
                await self.get()
            except ConnectorError as error:
                log.warning("could not renew the Teams access token: %s", error)
                await asyncio.sleep(30)
                continue
            await asyncio.sleep(max(30.0, self._expires - TOKEN_RENEW_BEFORE_SECONDS - time.time()))


def _expiry(token: str) -> float:
    """When an access token expires (Entra's are JWTs; else assume an hour, renewing early)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return time.time() + TOKEN_RENEW_BEFORE_SECONDS + 300


def msal_configuration(settings: TeamsSettings) -> AgentAuthConfiguration:
    """The SDK's configuration for MSAL: the one place the password is unwrapped (the SDK's
    object has no attribute-showing repr)."""
    auth_type = (
        AuthTypes.user_managed_identity
        if settings.app_type == "UserAssignedMSI"
        else AuthTypes.client_secret
    )
    tenant = settings.tenant_id if settings.app_type == "SingleTenant" else ""
    return AgentAuthConfiguration(
        auth_type=auth_type,
        client_id=settings.app_id,
        tenant_id=tenant or "botframework.com",
        client_secret=settings.app_password.get_secret_value() or None,
        scopes=[BOT_FRAMEWORK_SCOPE],
    )


def _msal_source(settings: TeamsSettings) -> TokenSource:
    provider = MsalAuth(msal_configuration(settings))

    async def fetch() -> str:
        return await provider.get_access_token(BOT_FRAMEWORK_RESOURCE, [BOT_FRAMEWORK_SCOPE])

    return fetch


class BotFramework:
    def __init__(self, settings: TeamsSettings, *, token_source: TokenSource | None = None) -> None:
        """`token_source`: the app's outbound token instead of MSAL's (tests)."""
        self.settings = settings
        self.service_urls = settings.allowed_service_urls()
        self._validator = (
            TokenValidator(settings.app_id, KeySet(settings.openid_metadata_url))
            if settings.authenticated
            else None
        )
        self._token: _AccessToken | None = None
        if settings.authenticated:
            self._token = _AccessToken(token_source or _msal_source(settings))
        self._clients: dict[str, ConnectorClient] = {}
        self._in_flight: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._renewal: asyncio.Task[None] | None = None

    @property
    def keys(self) -> KeySet | None:
        return self._validator.keys if self._validator is not None else None

    async def start(self) -> None:
        """Fetch the signing keys and the access token ahead of the first request; renew the
        token in the background. Failures are logged: the bot retries on demand."""
        if self._validator is not None:
            try:
                await self._validator.keys.refresh()
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                log.warning("could not fetch the Bot Framework signing keys yet: %s", error)
        if self._token is not None and self._renewal is None:
            self._renewal = asyncio.create_task(self._token.renew_forever(), name="teams-token")

    async def authenticate(self, auth_header: str, channel_id: str, service_url: str) -> None:
        """Raise Unauthorized unless the request may be processed (local mode: always)."""
        if self._validator is None:
            return
        try:
            await self._validator.validate(auth_header, channel_id, service_url)
        except Unauthorized as error:
            log.info("refused a Teams request: %s", error)
            raise

    async def send(self, reference: Json, conversation_id: str, activity: Json) -> str:
        """Post `activity` into `conversation_id` (a channel, a thread, a chat); its new id."""
        outgoing = _outgoing(reference, conversation_id, activity)
        async with self._client(reference, conversation_id) as client:
            response = await client.conversations.send_to_conversation(conversation_id, outgoing)
        return str(response.id or "") if response is not None else ""

    async def update(
        self, reference: Json, conversation_id: str, activity_id: str, activity: Json
    ) -> None:
        outgoing = _outgoing(reference, conversation_id, activity)
        outgoing.id = activity_id
        async with self._client(reference, conversation_id) as client:
            await client.conversations.update_activity(conversation_id, activity_id, outgoing)

    async def open_personal_chat(self, reference: Json, user_id: str) -> Json:
        """A reference to the personal chat between the bot and `user_id`, created (or found:
        Teams returns the existing one) from any reference in the same tenant."""
        conversation = reference.get("conversation") or {}
        tenant = str(conversation.get("tenantId") or "")
        try:
            parameters = ConversationParameters(
                is_group=False,
                bot=ChannelAccount.model_validate(reference.get("bot") or {"id": ""}),
                members=[ChannelAccount(id=user_id)],
                tenant_id=tenant or None,
                channel_data={"tenant": {"id": tenant}} if tenant else None,
            )
        except ValidationError as error:
            raise BadActivity(f"personal chat parameters: {error.error_count()} problems") from None
        async with self._client(reference, f"personal:{user_id}") as client:
            created = await client.conversations.create_conversation(parameters)
        personal: Json = {"id": created.id, "conversationType": "personal"}
        if tenant:
            personal["tenantId"] = tenant
        return {**reference, "conversation": personal, "user": {"id": user_id}}

    async def member(self, reference: Json, conversation_id: str, member_id: str) -> Json:
        """The Teams account of `member_id` (a Teams user id or an Entra object id) as a
        member of `conversation_id`: its `id` is the person's Teams user id."""
        async with self._client(reference, conversation_id) as client:
            account = await client.conversations.get_conversation_member(conversation_id, member_id)
        found: Json = account.model_dump(mode="json", by_alias=True, exclude_none=True)
        return found

    async def close(self) -> None:
        if self._renewal is not None:
            self._renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewal
            self._renewal = None
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.client.close()

    @contextlib.asynccontextmanager
    async def _client(self, reference: Json, conversation_id: str) -> AsyncIterator[Any]:
        """A connector client for the reference's service URL, within the conversation's
        limit; every failure on the way out is a ConnectorError."""
        service_url = str(reference.get("serviceUrl") or "")
        if not service_url:
            raise ConnectorError("the conversation reference has no serviceUrl")
        if not self.service_urls.allows(service_url):
            raise ConnectorError(f"{service_url[:100]!r} is not on the service URL allow-list")
        key = conversation_id.split(";", 1)[0]
        gate, users = self._in_flight.get(key) or (asyncio.Semaphore(PER_CONVERSATION), 0)
        self._in_flight[key] = (gate, users + 1)
        try:
            async with gate:
                client = self._connector(service_url)
                token = await self._token.get() if self._token is not None else ""
                if token:
                    # Renewed in the background: every call takes the current one.
                    client.client.headers["Authorization"] = f"Bearer {token}"
                try:
                    yield client
                except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
                    # A 404: no such conversation or message, and trying again will not
                    # make one (an edit of it is then posted instead; bot.chat_worker).
                    gone = isinstance(error, aiohttp.ClientResponseError) and error.status == 404
                    raise (NotFound if gone else ConnectorError)(
                        f"{conversation_id[:80]}: {type(error).__name__}: {error}"
                    ) from None
        finally:
            gate, users = self._in_flight[key]
            if users <= 1:
                del self._in_flight[key]
            else:
                self._in_flight[key] = (gate, users - 1)

    def _connector(self, service_url: str) -> ConnectorClient:
        base = service_url if service_url.endswith("/") else f"{service_url}/"
        client = self._clients.get(base)
        if client is None or client.client.closed:
            session = aiohttp.ClientSession(
                base_url=base,
                timeout=CONNECTOR_TIMEOUT,
                headers={"Accept": "application/json", "Content-Type": "application/json"},
            )
            client = ConnectorClient(base, "", session=session)
            self._clients[base] = client
        return client


def _outgoing(reference: Json, conversation_id: str, activity: Json) -> Activity:
    conversation = dict(reference.get("conversation") or {})
    conversation["id"] = conversation_id
    try:
        return Activity.model_validate(
            {
                **activity,
                "channelId": reference.get("channelId") or "msteams",
                "serviceUrl": reference.get("serviceUrl"),
                "from": reference.get("bot") or {},
                "conversation": conversation,
            }
        )
    except ValidationError as error:
        raise BadActivity(f"outgoing activity: {error.error_count()} problems") from None
