"""The port every inbound adapter hands its signed deliveries to: store it, then answer.

Acknowledged means stored. An adapter calls `accept` after it has checked the delivery's
signature and shape, and answers the platform only once `accept` returned; when it raises
`Unavailable`, the adapter answers with a 5xx (or no ack on Socket Mode), so that the platform
retries. `bot.intake` implements it on the database's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Delivery:
    platform: str
    # The platform's own id for the delivery: retries of the same one carry the same id.
    delivery_id: str
    # Deliveries of one lane (one channel of one workspace) are processed in arrival order.
    lane: str
    # What the platform sent, as parsed JSON (kept verbatim; translated when processed).
    payload: dict[str, Any]


class Unavailable(Exception):
    """The delivery could not be stored (the database is down or too slow)."""


class Intake(Protocol):
    async def accept(self, delivery: Delivery) -> None:
        """Store `delivery` durably (a re-delivery is stored once); raise Unavailable when it
        cannot be stored."""
        ...
