"""The baseline for bench_slack: a bare slack-bolt AsyncApp, mounted on aiohttp the same way
as jcdc-bot's, that acknowledges and posts one message per request to the same fake Slack.

    python -m benchmarks.bare_slack_app --port P   (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
                                                    SLACK_API_URL from the environment)
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import web_client


def bare_app() -> AsyncApp:
    client = web_client(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/jcdc")
    async def command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=body["channel_id"], text="ok")

    @app.event("message")
    async def message(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.chat_postMessage(
            channel=event["channel"], thread_ts=event.get("thread_ts"), text="ok"
        )

    return app


def bolt_routes(app: AsyncApp) -> list[web.RouteDef]:
    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    return [web.post("/slack/events", events)]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    application = web.Application()
    # The bare app goes through Bolt before answering: the baseline is Bolt as it comes.
    application.router.add_routes(bolt_routes(bare_app()))
    application.router.add_get("/healthz", healthz)
    web.run_app(application, host="127.0.0.1", port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
