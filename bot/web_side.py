"""The browser playground's part of a bot: its hub, endpoint, decoder and chat port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.intake import Intake
from adapters.web import Hub, Mailbox, WebChat, WebDecoder
from adapters.web.endpoint import WebEndpoint
from bot.settings import Settings


@dataclass
class WebSide:
    hub: Hub
    endpoint: WebEndpoint
    decoder: WebDecoder
    chat: WebChat


def banner(settings: Settings) -> dict[str, Any]:
    """What the page's banner says about where a sent report goes."""
    if settings.smtp_host:
        return {
            "mail": "smtp",
            "relay": f"{settings.smtp_host}:{settings.smtp_port}",
            "to": settings.email_to,
        }
    return {"mail": "folder", "folder": str(settings.outbox_dir), "to": settings.email_to}


def web_side(settings: Settings, intake: Intake) -> WebSide:
    hub = Hub()
    # Mail written to the outbox folder is shown on the page; mail to a relay is not kept.
    mailbox = Mailbox(None if settings.smtp_host else settings.outbox_dir)
    endpoint = WebEndpoint(hub, intake, mailbox, banner(settings))
    return WebSide(hub, endpoint, WebDecoder(), WebChat(hub))
