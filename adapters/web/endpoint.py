"""The playground's HTTP side: the page, its static files, the deliveries it posts, the live
stream of records (server-sent events) and the outbox's e-mails.

A delivery is checked (400 for a body the page would not send), stored through the intake
port (503 when it cannot be: the page sends it again, with the same id), and only then
answered 202 and shown: what a person typed appears on every tab at once, the bot's answer
when the turn has run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from aiohttp import web

from adapters.intake import Intake, Unavailable
from adapters.safe_json import UnreadableJson, loads_bounded
from adapters.web.hub import Hub
from adapters.web.mailbox import Mailbox
from adapters.web.render import said_record
from adapters.web.shapes import Delete, Edit, Person, Say
from adapters.web.translate import (
    MalformedDelivery,
    actor_of,
    command_text,
    delivery_of,
    person_id,
    read_delivery,
)

log = logging.getLogger(__name__)

STATIC = files("adapters.web") / "static"
# Bodies the page posts are small; a form of a whole section is the largest.
MAX_BODY = 256 * 1024
# Nothing is fetched from anywhere but this server; the e-mail's HTML is shown in a sandboxed
# srcdoc frame and may carry its own inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Comments every so often keep a quiet stream open through proxies and tell a closed one.
KEEPALIVE_S = 15.0


@dataclass
class WebEndpoint:
    hub: Hub
    intake: Intake
    mailbox: Mailbox
    # What the page's banner says: where mail goes, and that this is a playground.
    banner: dict[str, Any] = field(default_factory=dict)
    keepalive: float = KEEPALIVE_S

    async def page(self, request: web.Request) -> web.Response:
        return _asset("index.html", "text/html")

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        types = {"app.js": "text/javascript", "style.css": "text/css"}
        if name not in types:
            raise web.HTTPNotFound()
        return _asset(name, types[name])

    async def info(self, request: web.Request) -> web.Response:
        return web.json_response(self.banner)

    async def mail(self, request: web.Request) -> web.Response:
        return web.json_response({"messages": await self.mailbox.messages()})

    async def deliver(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _refused(413, "the body is too large")
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _refused(413, "the body is too large")
        try:
            body = loads_bounded(raw)
            if not isinstance(body, dict):
                raise MalformedDelivery("the body is not an object")
            delivery = delivery_of(body)
            shape = read_delivery(body)
        except (UnreadableJson, MalformedDelivery) as error:
            return _refused(400, str(error))
        if isinstance(shape, Edit | Delete):
            shown = self.hub.get(shape.message_id)
            if shown is not None and shown["author"]["id"] != person_id(shape.person.name):
                return _refused(403, "only its author can change a message")
        try:
            await self.intake.accept(delivery)
        except Unavailable as error:
            log.warning("web delivery not stored: %s", error)
            return _refused(503, "not stored; send it again")
        actor = actor_of(shape.person)
        self.hub.seen(actor.id, actor.name)
        if isinstance(shape, Say) and command_text(shape.text) is None:
            if self.hub.get(shape.id) is None:
                self.hub.publish(
                    said_record(shape.id, shape.channel, shape.thread, actor, shape.text)
                )
        elif isinstance(shape, Edit):
            self.hub.update(shape.message_id, text=shape.text, edited=True)
        elif isinstance(shape, Delete):
            self.hub.update(shape.message_id, text="", deleted=True)
        return web.json_response({"stored": delivery.delivery_id}, status=202)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        try:
            person = Person(name=request.query.get("person", ""))
        except ValueError:
            return _refused(400, "say who you are: ?person=<name>")
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        messages = self.hub.follow(person_id(person.name), self.keepalive)
        try:
            async for message in messages:
                if message is None:
                    await response.write(b": keepalive\n\n")
                    continue
                data = json.dumps(message, separators=(",", ":"))
                await response.write(f"data: {data}\n\n".encode())
        except ConnectionError:
            pass  # the tab went away
        finally:
            await messages.aclose()
        return response


def _asset(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
    )


def _refused(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def web_routes(endpoint: WebEndpoint) -> list[web.RouteDef]:
    return [
        web.get("/", endpoint.page),
        web.get("/static/{name}", endpoint.asset),
        web.get("/api/info", endpoint.info),
        web.get("/api/mail", endpoint.mail),
        web.get("/api/stream", endpoint.stream),
        web.post("/api/deliveries", endpoint.deliver),
    ]
