"""The previous fast path, for bench_slack only: jcdc-bot answering Slack as soon as the
signature checks out and storing the delivery afterwards (what the bot did before the
durable inbox, and why a crash could lose acknowledged answers). Never use it for real.

    python -m benchmarks.ack_first_server --port P      (DATABASE_URL etc. as for serve)
"""

from __future__ import annotations

import argparse
import asyncio

from adapters.intake import Delivery, Intake
from bot.serve import serve
from bot.server import Bot
from bot.settings import Settings


class AckFirst:
    """Hands the delivery to the real intake in the background and returns at once."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.pending: set[asyncio.Task[None]] = set()

    async def accept(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self.intake.accept(delivery))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)


def ack_first(bot: Bot) -> None:
    assert bot.slack is not None
    bot.slack.deliveries.intake = AckFirst(bot.slack.deliveries.intake)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    asyncio.run(serve(Settings(), "127.0.0.1", arguments.port, adjust=ack_first))


if __name__ == "__main__":
    main()
