"""`/metrics` queue gauges against what is really in the queues, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from bot.metrics import Metrics, queue_depths
from storage.database import Database
from storage.repository import ReportStore
from storage.tables import metadata
from tests.storage.states import create, rich_state


async def _fill(database: Database, now: datetime) -> None:
    def inbox_row(n: int, age_s: float, done: bool) -> dict[str, object]:
        return {
            "platform": "slack",
            "delivery_id": f"d{n}",
            "lane": "slack:C1",
            "payload": {},
            "received_at": now - timedelta(seconds=age_s),
            "attempts": 0,
            "done_at": now if done else None,
        }

    def effect_row(age_s: float, done: bool) -> dict[str, object]:
        return {
            "platform": "slack",
            "lane": "slack:C1",
            "effect": {},
            "created_at": now - timedelta(seconds=age_s),
            "attempts": 0,
            "done_at": now if done else None,
        }

    await create(ReportStore(database), rich_state("r-1"))
    submission = {
        "report_id": "r-1",
        "requested_by": {"id": "U1", "name": "Alice"},
        "confirmed_by": [],
        "snapshot": {},
        "attempts": 0,
    }
    async with database.writing() as connection:
        await connection.execute(
            insert(metadata.tables["submissions"]),
            [
                submission
                | {"id": "s1", "report_version": 1, "status": "sent", "requested_at": now},
                submission
                | {
                    "id": "s2",
                    "report_version": 2,
                    "status": "pending",
                    "requested_at": now - timedelta(seconds=300),
                },
            ],
        )
        await connection.execute(
            insert(metadata.tables["inbox"]),
            [inbox_row(1, 900, True), inbox_row(2, 120, False), inbox_row(3, 5, False)],
        )
        await connection.execute(
            insert(metadata.tables["chat_outbox"]),
            [effect_row(600, True), effect_row(30, False)],
        )


async def _scrape(metrics: Metrics) -> dict[tuple[str, str], float]:
    app = web.Application()
    app.router.add_get("/metrics", metrics.endpoint)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, sample.labels.get("queue", "")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("jcdc_queue")
    }


async def test_gauges_count_pending_items_and_age_the_oldest(database: Database) -> None:
    empty = await _scrape(Metrics(database))
    assert empty[("jcdc_queue_depth", "inbox")] == 0
    assert empty[("jcdc_queue_oldest_age_seconds", "email_outbox")] == 0

    filled_at = datetime.now(UTC)
    await _fill(database, filled_at)
    seen = await _scrape(Metrics(database))
    # Measured from the scrape's clock, a moment after filling: allow for that moment.
    late = (datetime.now(UTC) - filled_at).total_seconds() + 1
    assert seen[("jcdc_queue_depth", "inbox")] == 2
    assert seen[("jcdc_queue_depth", "chat_outbox")] == 1
    assert seen[("jcdc_queue_depth", "email_outbox")] == 1
    assert 300 <= seen[("jcdc_queue_oldest_age_seconds", "email_outbox")] < 300 + late
    # The oldest pending item, not a done one (which are older still).
    assert 120 <= seen[("jcdc_queue_oldest_age_seconds", "inbox")] < 120 + late
    assert 30 <= seen[("jcdc_queue_oldest_age_seconds", "chat_outbox")] < 30 + late

    direct = await queue_depths(database, filled_at)
    assert (direct["inbox"].pending, direct["inbox"].oldest_age_seconds) == (2, 120.0)


async def test_no_gauges_when_the_database_cannot_be_read() -> None:
    unreachable = Database.from_url("postgresql://nobody@127.0.0.1:1/none")
    try:
        seen = await _scrape(Metrics(unreachable))
    finally:
        await unreachable.dispose()
    assert seen == {}
