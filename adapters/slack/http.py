"""`POST /slack/events`: slash commands, events and interactivity (one URL, as Slack's apps
are set up), and the OAuth install pages when configured.

For each request, in this order, and nothing more before the answer:
1. the body, at most 1 MiB (else 413);
2. Slack's signature and timestamp, checked on the raw bytes before anything is parsed
   (else 401);
3. the body parsed with bounded size and depth, and the shape of what the bot reads checked
   (else 400);
4. url_verification and ssl_check answered; deliveries that are not the bot's business
   (its own messages, other bots, top-level channel chatter) answered 200 and dropped;
5. adapters.slack.deliveries: a modal submission whose fields do not parse answered with
   the errors under the inputs (nothing is stored: the modal stays open with what the
   person typed); anything else the bot handles stored in the inbox (else 503, so that
   Slack retries);
6. 200. The turn happens after, from the inbox.

Every refusal is one WARNING line, never a traceback: strangers can send anything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.intake import Unavailable
from adapters.safe_json import UnreadableJson, form_bounded, loads_bounded
from adapters.slack.deliveries import SlackDeliveries
from adapters.slack.translate import BadPayload, SlackKind

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Slack's own payloads stay far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 64


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _raw_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    return body


def parse_body(raw: bytes, content_type: str) -> tuple[SlackKind | None, dict[str, Any]]:
    """What kind of Slack request a (signed) body is, and its content; kind None for
    url_verification and ssl_check, which are answered on the spot."""
    try:
        if content_type == "application/json":
            body = loads_bounded(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
            if not isinstance(body, dict):
                raise Refused(400, "the JSON body is not an object")
            if body.get("type") == "url_verification":
                return None, body
            return "event", body
        if content_type == "application/x-www-form-urlencoded":
            form = form_bounded(raw.decode("utf-8"))
            if "command" in form:
                return "command", dict(form)
            if form.get("ssl_check") == "1":
                return None, {"type": "ssl_check"}
            if "payload" not in form:
                raise Refused(400, "a form body without command or payload")
            payload = loads_bounded(form["payload"], max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
            if not isinstance(payload, dict):
                raise Refused(400, "the interaction payload is not an object")
            return "interaction", payload
    except (UnreadableJson, UnicodeDecodeError) as error:
        raise Refused(400, f"unreadable body: {error}") from None
    raise Refused(415, f"unsupported content type {content_type!r}")


class SlackEndpoint:
    """`POST /slack/events` and, with OAuth, the install pages."""

    def __init__(
        self,
        signing_secret: str,
        deliveries: SlackDeliveries,
        *,
        oauth_flow: AsyncOAuthFlow | None = None,
    ) -> None:
        if not signing_secret:
            raise ValueError("a Slack endpoint without a signing secret would accept forgeries")
        self.verifier = SignatureVerifier(signing_secret)
        self.deliveries = deliveries
        self.oauth_flow = oauth_flow

    def _signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        try:
            return self.verifier.is_valid(
                body=raw,
                timestamp=headers.get("X-Slack-Request-Timestamp"),
                signature=headers.get("X-Slack-Signature"),
            )
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    async def events(self, request: web.Request) -> web.Response:
        try:
            return await self._events(request)
        except Refused as refused:
            log.warning(
                "refused a Slack request from %s (%d): %s",
                request.remote,
                refused.status,
                refused.reason,
            )
            return web.json_response({"error": refused.reason}, status=refused.status)

    async def _events(self, request: web.Request) -> web.Response:
        raw = await _raw_body(request)
        if not self._signed(raw, request.headers):
            raise Refused(401, "missing, invalid or stale Slack signature")
        kind, body = parse_body(raw, request.content_type)
        if kind is None:
            if body.get("type") == "url_verification":
                return web.json_response({"challenge": str(body.get("challenge", ""))})
            return web.Response(status=200)  # ssl_check
        try:
            admitted = await self.deliveries.admit(kind, body)
        except BadPayload as error:
            raise Refused(400, f"not a Slack payload the bot can read: {error}") from None
        except Unavailable as error:
            log.warning("could not store a Slack delivery (answering 503): %s", error)
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        if admitted.form_errors:
            return web.json_response({"response_action": "errors", "errors": admitted.form_errors})
        return web.Response(status=200)

    def routes(self) -> list[web.RouteDef]:
        routes = [web.post(EVENTS_PATH, self.events)]
        flow = self.oauth_flow
        if flow is not None:
            routes += [
                web.get(INSTALL_PATH, _oauth_page(flow.handle_installation)),
                web.get(REDIRECT_PATH, _oauth_page(flow.handle_callback)),
            ]
        return routes


def _oauth_page(
    handler: Callable[[AsyncBoltRequest], Awaitable[Any]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        bolt_request = AsyncBoltRequest(
            body="",
            query=request.query_string,
            headers={k: list(request.headers.getall(k)) for k in request.headers},
        )
        return await to_aiohttp_response(await handler(bolt_request))

    return page
