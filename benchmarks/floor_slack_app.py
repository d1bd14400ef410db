"""The necessary-work floor for bench_slack: a bare slack-bolt AsyncApp that, for each thread
reply, does what a jcdc turn cannot avoid and nothing more: one write transaction on our own
schema (the event marked processed, one contribution inserted, the report's row updated) and
the same Web API call a jcdc turn on a changed answer makes (the private acknowledgement in
the thread; the root card does not change), on one kept-alive HTTP session. On asyncio's own
event loop, or with --uvloop on the one `jcdc-bot serve` runs on.

    python -m benchmarks.floor_slack_app --port P   (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
                                                     SLACK_API_URL, DATABASE_URL)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.slack.clients import SlackHttp, web_client
from benchmarks.bare_slack_app import bolt_routes, healthz
from conversations.state import Actor, Contribution, ReportState
from storage.database import Database
from storage.rows import contribution_values, contributions, processed_events, report_values
from storage.rows import reports as reports_table

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


class Floor:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.known: set[str] = set()
        self.serial = itertools.count()

    async def report_for(self, channel: str) -> str:
        """One report row per channel, made on its first reply (not what is measured)."""
        if channel not in self.known:
            state = ReportState(
                id=f"floor-{channel}",
                platform="slack",
                channel=channel,
                thread="root",
                title="Floor",
                # The column is NOT NULL; one report per channel, so 1 is always free.
                number=1,
                lead=Actor(id="U0", name="Lead"),
                created_at=NOW,
                updated_at=NOW,
                checklist_version="floor",
                version=1,
            )
            dialect = postgresql if not self.database.is_sqlite else sqlite
            async with self.database.writing() as connection:
                await connection.execute(
                    dialect.insert(reports_table)
                    .values(report_values(state))
                    .on_conflict_do_nothing()
                )
            self.known.add(channel)
        return f"floor-{channel}"

    async def transaction(self, event: dict[str, Any]) -> None:
        report_id = await self.report_for(event["channel"])
        n = next(self.serial)
        now = datetime.now(UTC)
        contribution = Contribution(
            id=f"f{os.getpid()}-{n}",
            item_id="handling.org",
            author=Actor(id=event["user"], name=event["user"]),
            at=now,
            via="direct",
            source_message_id=event["ts"],
            raw=event["text"],
            value=event["text"],
        )
        dialect = postgresql if not self.database.is_sqlite else sqlite
        async with self.database.writing() as connection:
            await connection.execute(
                dialect.insert(processed_events)
                .values(
                    platform="slack",
                    event_id=event["ts"] + event["channel"],
                    report_id=report_id,
                    processed_at=now,
                )
                .on_conflict_do_nothing()
            )
            await connection.execute(
                insert(contributions).values(contribution_values(report_id, n, contribution))
            )
            await connection.execute(
                update(reports_table)
                .where(reports_table.c.id == report_id)
                .values(version=reports_table.c.version + 1, updated_at=now)
            )


def floor_app(floor: Floor, http: SlackHttp) -> AsyncApp:
    token, base = os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"]
    # Bolt's own client only answers its auth.test; the turn's calls go over `http`.
    app = AsyncApp(
        client=web_client(token, base), signing_secret=os.environ["SLACK_SIGNING_SECRET"]
    )
    clients: list[AsyncWebClient] = []

    def client() -> AsyncWebClient:
        if not clients:
            clients.append(http.client(token, base))
        return clients[0]

    @app.event("message")
    async def message(event: dict[str, Any]) -> None:
        await floor.transaction(event)
        web_api = client()
        # What a jcdc-bot turn on a changed answer calls: the private acknowledgement (the
        # root card, unchanged, is not updated).
        await web_api.chat_postEphemeral(
            channel=event["channel"],
            thread_ts=event.get("thread_ts"),
            user=event["user"],
            text="ok",
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--uvloop",
        action="store_true",
        help="run on uvloop, as `jcdc-bot serve` does (bot/event_loop.py)",
    )
    arguments = parser.parse_args()
    if arguments.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    database = Database.from_url(os.environ["DATABASE_URL"], pool_size=32, max_overflow=0)
    floor = Floor(database)
    http = SlackHttp()
    application = web.Application()
    application.router.add_routes(bolt_routes(floor_app(floor, http)))
    application.router.add_get("/healthz", healthz)

    async def lifetime(_: web.Application) -> AsyncIterator[None]:
        await database.upgrade()
        yield
        await http.close()
        await database.dispose()

    application.cleanup_ctx.append(lifetime)
    web.run_app(application, host="127.0.0.1", port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
