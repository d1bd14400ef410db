"""Slack's HTTP endpoints on aiohttp: `POST /slack/events` for commands, events and
interactivity (one URL, as Bolt expects), and the OAuth install pages when configured.

slack_bolt's aiohttp adapter only converts requests and responses; the app is mounted here
through `AsyncApp.async_dispatch`.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Slack's own payloads stay far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 1024 * 1024


async def _bolt_request(request: web.Request) -> AsyncBoltRequest:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES, actual_size=request.content_length
        )
    try:
        return await to_bolt_request(request)
    except UnicodeDecodeError as error:
        raise web.HTTPBadRequest(text="the request body is not UTF-8") from error
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        # Bolt parses the body up front: JSON it cannot read, or JSON of the wrong shape
        # (a list where Slack always sends an object), is the sender's error.
        raise web.HTTPBadRequest(text="unreadable Slack request body") from error


def slack_routes(app: AsyncApp) -> list[web.RouteDef]:
    async def events(request: web.Request) -> web.Response:
        bolt_request = await _bolt_request(request)
        try:
            response = await app.async_dispatch(bolt_request)
        except Exception:
            log.exception("could not handle a Slack request")
            raise web.HTTPBadRequest(text="unreadable Slack request") from None
        if response.status >= 500:
            # Our listeners acknowledge before doing any work, so Bolt only fails before
            # that on a payload whose shape it cannot read: the sender's error. (Bolt has
            # already logged the exception.)
            raise web.HTTPBadRequest(text="unreadable Slack request")
        return await to_aiohttp_response(response)

    routes = [web.post(EVENTS_PATH, events)]
    flow = app.oauth_flow
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
