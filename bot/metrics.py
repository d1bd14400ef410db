"""Prometheus metrics for `GET /metrics`: HTTP requests, turns and their latency.

A registry per application, so that several apps in one process (tests, benchmarks) never
count into each other.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from bot.runner import Dispatch, TurnResult
from conversations.events import Event
from storage.inbox import InboxEntry

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "jcdc_http_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.turns = Counter(
            "jcdc_turns",
            "Turns by platform and outcome",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "jcdc_turn_seconds",
            "Time from taking a stored delivery to its turn committed",
            ["platform"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

    def counting_turns(self, handle: Dispatch) -> Dispatch:
        async def counted(event: Event, entry: InboxEntry) -> TurnResult:
            started = time.perf_counter()
            outcome = "error"
            try:
                result = await handle(event, entry)
                outcome = result.outcome
                return result
            finally:
                self.turns.labels(event.platform, outcome).inc()
                self.turn_seconds.labels(event.platform).observe(time.perf_counter() - started)

        return counted

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # The route's pattern, not the raw path: unknown paths must not create new series.
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        try:
            response = await handler(request)
        except web.HTTPException as error:
            self.requests.labels(route, str(error.status)).inc()
            raise
        except Exception:
            self.requests.labels(route, "500").inc()
            raise
        self.requests.labels(route, str(response.status)).inc()
        return response

    async def endpoint(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
