"""The floor for bench_slack: an aiohttp server that reads each request and answers 200 at
once. Its latencies are what the load generator and loopback HTTP cost by themselves.

    python -m benchmarks.empty_server --port P
"""

from __future__ import annotations

import argparse

from aiohttp import web


async def answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    application = web.Application()
    application.router.add_post("/slack/events", answer)
    application.router.add_get("/healthz", answer)
    web.run_app(application, host="127.0.0.1", port=arguments.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
