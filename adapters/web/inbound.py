"""Stored browser deliveries → engine events, when the inbox worker gets to them."""

from __future__ import annotations

from typing import Any

from adapters.web.translate import from_delivery, read_delivery
from conversations.events import Event


class WebDecoder:
    async def event_of(self, payload: dict[str, Any]) -> Event | None:
        return from_delivery(read_delivery(payload))
