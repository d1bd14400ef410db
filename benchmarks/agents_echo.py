"""The baseline of bench_teams.py: a bare Microsoft 365 Agents SDK echo bot, as the SDK's
own samples build one (aiohttp CloudAdapter, the SDK's JWT middleware, an AgentApplication
that answers every message), with authentication on.

Two seams point it at the local identity server and connector: the SDK's module-level map
of Bot Framework issuers to JWKS URLs (it has no setting for it; only this process's copy is
changed), and a connection manager that hands out a fixed outbound token instead of logging
in to Microsoft. This module imports the SDK: the baseline is the SDK itself.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    OutboundHostValidator,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, _entra_issuers

OUTBOUND_TOKEN = "benchmark-outbound-token"


class _StaticToken:
    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self.configuration = configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return OUTBOUND_TOKEN


class _StaticConnections:
    """The SDK's Connections protocol with one connection and no Microsoft login."""

    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration
        self._provider = _StaticToken(configuration)

    def get_connection(self, connection_name: str) -> Any:
        return self._provider

    def get_default_connection(self) -> Any:
        return self._provider

    def get_token_provider(self, claims_identity: Any, service_url: str) -> Any:
        return self._provider

    def get_token_provider_from_activity(self, claims_identity: Any, activity: Any) -> Any:
        return self._provider

    def get_default_connection_configuration(self) -> AgentAuthConfiguration:
        return self._configuration


def echo_app(app_id: str, issuer: str, jwks_url: str) -> web.Application:
    _entra_issuers.BOTFRAMEWORK_JWKS_URIS[issuer] = jwks_url
    configuration = AgentAuthConfiguration(client_id=app_id, tenant_id="botframework.com")
    connections = _StaticConnections(configuration)
    adapter = CloudAdapter(
        connection_manager=connections,
        # The fake connector is on loopback, which the SDK's validator refuses by default.
        host_validator=OutboundHostValidator(enabled=False),
    )
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=adapter, connection_manager=connections
    )

    @agent.activity("message")
    async def echo(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(f"echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, agent)
        return response or web.Response(status=201)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = configuration
    app.router.add_post("/api/messages", messages)
    return app
