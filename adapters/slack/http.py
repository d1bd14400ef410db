"""Slack's HTTP endpoints on aiohttp: `POST /slack/events` for commands, events and
interactivity (one URL, as Bolt expects), and the OAuth install pages when configured.

slack_bolt's aiohttp adapter only converts responses; the app is mounted here through
`AsyncApp.async_dispatch`. Slash commands, events and button clicks are answered with an empty
200 as soon as their signature checks out, and dispatched to Bolt after: Slack wants its
answer within 3 seconds, and that answer must not wait behind the turns in progress.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Slack's own payloads stay far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 1024 * 1024


async def _body(request: web.Request) -> str:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES, actual_size=request.content_length
        )
    try:
        return (await request.read()).decode("utf-8")
    except UnicodeDecodeError as error:
        raise web.HTTPBadRequest(text="the request body is not UTF-8") from error


def _to_bolt(raw: str, request: web.Request) -> AsyncBoltRequest:
    try:
        return AsyncBoltRequest(
            body=raw,
            query=request.query_string,
            headers={k: list(request.headers.getall(k)) for k in request.headers},
        )
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        # Bolt parses the body up front: JSON it cannot read, or JSON of the wrong shape
        # (a list where Slack always sends an object), is the sender's error.
        raise web.HTTPBadRequest(text="unreadable Slack request body") from error


async def _bolt_request(request: web.Request) -> AsyncBoltRequest:
    return _to_bolt(await _body(request), request)


# Deliveries that need nothing in the HTTP answer but a 200: answered as soon as the
# signature checks out, then handed to Bolt. Modal submissions (which may answer with field
# errors), url_verification and anything unknown go through Bolt before the answer.
_FIRE_AND_FORGET = frozenset({"event_callback", "block_actions"})


def _fire_and_forget(raw: str, content_type: str) -> bool:
    """Is this a slash command, an event or a button click (judged by its shape alone)?"""
    try:
        if content_type == "application/json":
            body = json.loads(raw)
            return isinstance(body, dict) and body.get("type") in _FIRE_AND_FORGET
        form = parse_qs(raw)
        if "command" in form:
            return True
        payload = json.loads(form.get("payload", ["{}"])[0])
        return isinstance(payload, dict) and payload.get("type") in _FIRE_AND_FORGET
    except ValueError:
        return False  # Bolt gets to refuse it


class SlackEndpoint:
    """`POST /slack/events`, the OAuth pages, and the background dispatches in flight."""

    def __init__(self, app: AsyncApp, signing_secret: str) -> None:
        if not signing_secret:
            raise ValueError("a Slack endpoint without a signing secret would accept forgeries")
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.in_flight: set[asyncio.Task[None]] = set()

    def _signed(self, raw: str, headers: Mapping[str, str]) -> bool:
        try:
            return self.verifier.is_valid(
                body=raw,
                timestamp=headers.get("X-Slack-Request-Timestamp"),
                signature=headers.get("X-Slack-Signature"),
            )
        except ValueError:  # a timestamp that is not a number
            return False

    async def events(self, request: web.Request) -> web.Response:
        raw = await _body(request)
        if _fire_and_forget(raw, request.content_type):
            # Checked on the raw bytes before anything else is built: the answer goes out in
            # a fraction of a millisecond, however busy the turns behind it are.
            if not self._signed(raw, request.headers):
                raise web.HTTPUnauthorized(text="invalid Slack signature")
            task = asyncio.create_task(self._dispatch_after_ack(raw, request))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
            return web.Response(status=200)
        return await to_aiohttp_response(await self._dispatch(_to_bolt(raw, request)))

    async def _dispatch(self, bolt_request: AsyncBoltRequest) -> BoltResponse:
        try:
            response = await self.app.async_dispatch(bolt_request)
        except Exception:
            log.exception("could not handle a Slack request")
            raise web.HTTPBadRequest(text="unreadable Slack request") from None
        if response.status >= 500:
            # Our listeners acknowledge before doing any work, so Bolt only fails before
            # that on a payload whose shape it cannot read: the sender's error. (Bolt has
            # already logged the exception.)
            raise web.HTTPBadRequest(text="unreadable Slack request")
        return response

    async def _dispatch_after_ack(self, raw: str, request: web.Request) -> None:
        # Bolt verifies the signature again and runs the listener; its answer went out already.
        try:
            await self._dispatch(_to_bolt(raw, request))
        except web.HTTPException:
            log.warning("Slack delivery could not be read after it was acknowledged")

    async def drain(self, within: float = 10.0) -> None:
        """Let acknowledged deliveries finish (on shutdown)."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=within)

    def routes(self) -> list[web.RouteDef]:
        routes = [web.post(EVENTS_PATH, self.events)]
        flow = self.app.oauth_flow
        if flow is not None:

            async def install(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_installation(await _bolt_request(request))
                )

            async def oauth_redirect(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_callback(await _bolt_request(request))
                )

            routes += [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, oauth_redirect)]
        return routes
