"""Prometheus metrics for `GET /metrics`: HTTP requests, turns by outcome and their latency, and
the depth of the work queues (inbox, chat outbox, e-mail outbox) with the age of each queue's
oldest pending item, read from the database at each scrape (shared by every replica, so any
replica reports the same depths).

A registry per application, so that several apps in one process (tests, benchmarks) never
count into each other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.clock import utc_now
from bot.runner import BatchDispatch, Dispatch, TurnResult
from conversations.events import Event
from storage.database import Database
from storage.inbox import InboxEntry
from storage.tables import metadata

log = logging.getLogger(__name__)

# queue name -> (table, the column that dates a pending row)
_QUEUES = {
    "inbox": (metadata.tables["inbox"], "received_at"),
    "chat_outbox": (metadata.tables["chat_outbox"], "created_at"),
    "email_outbox": (metadata.tables["submissions"], "requested_at"),
}


@dataclass(frozen=True)
class QueueDepth:
    pending: int
    oldest_age_seconds: float


async def queue_depths(database: Database, now: datetime) -> dict[str, QueueDepth]:
    """Pending items per queue and the age of the oldest one (0 when the queue is empty)."""
    depths = {}
    async with database.engine.connect() as connection:
        for name, (table, moment) in _QUEUES.items():
            pending = (
                table.c.status == "pending" if name == "email_outbox" else table.c.done_at.is_(None)
            )
            count, oldest = (
                await connection.execute(
                    select(func.count(), func.min(table.c[moment])).where(pending)
                )
            ).one()
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            depths[name] = QueueDepth(int(count), max(age, 0.0))
    return depths


class _Queues(Collector):
    """The gauges of the last scrape's reading; none when the database could not be read (a
    stale number would look like a healthy one)."""

    def __init__(self) -> None:
        self.reading: dict[str, QueueDepth] | None = None

    def collect(self) -> Iterator[Metric]:
        if self.reading is None:
            return
        depth = GaugeMetricFamily(
            "jcdc_queue_depth", "Pending items per work queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "jcdc_queue_oldest_age_seconds",
            "Age of the oldest pending item per work queue (0 when empty)",
            labels=["queue"],
        )
        for name, reading in self.reading.items():
            depth.add_metric([name], reading.pending)
            age.add_metric([name], reading.oldest_age_seconds)
        yield depth
        yield age


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self, database: Database | None = None) -> None:
        self.registry = CollectorRegistry()
        self.database = database
        self._queues = _Queues()
        self.registry.register(self._queues)
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

    def counting_batches(self, handle: BatchDispatch) -> BatchDispatch:
        """`counting_turns` for a turn of several deliveries: each counts as a turn, with the
        batch's duration (a delivery waited that long for its answer)."""

        async def counted(deliveries: Sequence[tuple[Event, InboxEntry]]) -> list[TurnResult]:
            started = time.perf_counter()
            results = await handle(deliveries)
            elapsed = time.perf_counter() - started
            for (event, _), result in zip(deliveries, results, strict=False):
                self.turns.labels(event.platform, result.outcome).inc()
                self.turn_seconds.labels(event.platform).observe(elapsed)
            return results

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
        if self.database is not None:
            try:
                self._queues.reading = await asyncio.wait_for(
                    queue_depths(self.database, utc_now()), timeout=2
                )
            except Exception as error:
                self._queues.reading = None
                log.warning("metrics: queue depths unavailable (%s)", type(error).__name__)
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
