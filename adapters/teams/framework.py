"""The Bot Framework SDK behind a few typed functions. The only module that imports botbuilder
or botframework (besides tests), so that replacing the SDK (the Microsoft 365 Agents SDK is
its successor) touches this file alone.

- Inbound: `authenticate` runs the SDK's own request authentication (CloudAdapter with
  ConfigurationBotFrameworkAuthentication: the JWT from the Bot Connector, its signing keys
  from Microsoft's OpenID metadata, the audience against MicrosoftAppId, the serviceurl claim
  against the activity). The bot never answers inside the inbound turn (every effect is sent
  proactively), so the adapter's turn pipeline, which would build a connector client per
  request only to leave it unused, is not run.
- Outbound: one connector client per service URL, made by the adapter's connector factory
  with the app's credentials, and reused: its credentials cache and renew the access token.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from msrest.exceptions import ClientException
from pydantic import SecretStr

log = logging.getLogger(__name__)

Json = dict[str, Any]


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Azure registration, under the Bot Framework's own environment names."""

    app_id: str = ""
    # Unwrapped only where it is handed to the SDK (_Configuration), so repr() never shows it.
    app_password: SecretStr = field(default_factory=lambda: SecretStr(""))
    tenant_id: str = ""
    # MultiTenant, SingleTenant or UserAssignedMSI.
    app_type: str = "MultiTenant"

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> TeamsSettings:
        return cls(
            app_id=environ.get("MicrosoftAppId", ""),
            app_password=SecretStr(environ.get("MicrosoftAppPassword", "")),
            tenant_id=environ.get("MicrosoftAppTenantId", ""),
            app_type=environ.get("MicrosoftAppType", "") or "MultiTenant",
        )


class Unauthorized(Exception):
    """The request did not carry a valid Bot Framework token (or any, when one is required)."""


class BadActivity(ValueError):
    """The JSON is not an activity the SDK can read."""


class ConnectorError(Exception):
    """The Bot Connector refused or could not be reached."""


class _Configuration:
    """The attribute names ConfigurationBotFrameworkAuthentication reads (a plain object:
    its repr shows no attributes)."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password.get_secret_value()
        self.APP_TENANTID = settings.tenant_id
        self.APP_TYPE = settings.app_type


class BotFramework:
    def __init__(self, settings: TeamsSettings, *, credentials_factory: Any = None) -> None:
        """`credentials_factory`: a botframework ServiceClientCredentialsFactory replacing the
        one built from the settings (tests use one that needs no Microsoft login)."""
        self.settings = settings
        self._adapter = CloudAdapter(
            ConfigurationBotFrameworkAuthentication(
                _Configuration(settings), credentials_factory=credentials_factory
            )
        )
        self._clients: dict[str, Any] = {}
        if not settings.authenticated:
            log.warning(
                "MicrosoftAppId is not set: Teams requests are accepted WITHOUT authentication "
                "(local mode for the Bot Framework Emulator). Set MicrosoftAppId and "
                "MicrosoftAppPassword before exposing /api/messages."
            )

    async def authenticate(self, activity: Json, auth_header: str) -> None:
        """Raise Unauthorized unless the request may be processed, BadActivity when the SDK
        cannot read the activity at all."""
        try:
            parsed = Activity().deserialize(activity)
        except Exception as error:
            raise BadActivity(str(error)) from error
        try:
            await self._adapter.bot_framework_authentication.authenticate_request(
                parsed, auth_header
            )
        except Exception as error:
            # The SDK reports a bad token in many ways (PermissionError, jwt errors, a missing
            # key as IndexError, ...): for the caller they all mean the same thing.
            log.info("refused a Teams request: %s: %s", type(error).__name__, error)
            raise Unauthorized(str(error)) from error

    async def send(self, reference: Json, conversation_id: str, activity: Json) -> str:
        """Post `activity` into `conversation_id` (a channel, a thread, a chat); its new id."""
        outgoing = self._outgoing(reference, conversation_id, activity)
        client = await self._client(reference)
        try:
            response = await client.conversations.send_to_conversation(conversation_id, outgoing)
        except (ClientException, OSError) as error:
            raise ConnectorError(f"send to {conversation_id}: {error}") from error
        return str(response.id or "") if response is not None else ""

    async def update(
        self, reference: Json, conversation_id: str, activity_id: str, activity: Json
    ) -> None:
        outgoing = self._outgoing(reference, conversation_id, activity)
        outgoing.id = activity_id
        client = await self._client(reference)
        try:
            await client.conversations.update_activity(conversation_id, activity_id, outgoing)
        except (ClientException, OSError) as error:
            raise ConnectorError(f"update {activity_id} in {conversation_id}: {error}") from error

    async def open_personal_chat(self, reference: Json, user_id: str) -> Json:
        """A reference to the personal chat between the bot and `user_id`, created (or found:
        Teams returns the existing one) from any reference in the same tenant."""
        conversation = reference.get("conversation") or {}
        tenant = str(conversation.get("tenantId") or "")
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount().deserialize(reference.get("bot") or {}),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        client = await self._client(reference)
        try:
            created = await client.conversations.create_conversation(parameters)
        except (ClientException, OSError) as error:
            raise ConnectorError(f"personal chat with {user_id}: {error}") from error
        personal: Json = {"id": created.id, "conversationType": "personal"}
        if tenant:
            personal["tenantId"] = tenant
        return {**reference, "conversation": personal, "user": {"id": user_id}}

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.__aexit__(None, None, None)

    def _outgoing(self, reference: Json, conversation_id: str, activity: Json) -> Any:
        outgoing = Activity().deserialize(activity)
        outgoing.channel_id = reference.get("channelId")
        outgoing.service_url = reference.get("serviceUrl")
        outgoing.from_property = ChannelAccount().deserialize(reference.get("bot") or {})
        conversation = dict(reference.get("conversation") or {})
        conversation["id"] = conversation_id
        outgoing.conversation = Activity().deserialize({"conversation": conversation}).conversation
        return outgoing

    async def _client(self, reference: Json) -> Any:
        service_url = str(reference.get("serviceUrl") or "")
        if not service_url:
            raise ConnectorError("the conversation reference has no serviceUrl")
        client = self._clients.get(service_url)
        if client is None:
            claims = self._adapter.create_claims_identity(self.settings.app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            self._clients[service_url] = client
        return client
