"""Teams' part of `serve`: the Bot Framework wrapper, its endpoint, decoder and chat port."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.intake import Intake
from adapters.teams import BotFramework, TeamsChat, TeamsEndpoint, TeamsSettings
from adapters.teams.inbound import TeamsDecoder
from adapters.teams.message_action import MessageActions
from adapters.teams.service_urls import parse_patterns
from adapters.teams.task_module import Dialogs
from bot.rehearsal import RehearsedTurns
from bot.runner import TurnRunner
from bot.settings import Settings
from conversations.checklist import Checklist, default_checklist
from storage.repository import ReportStore


@dataclass
class TeamsSide:
    framework: BotFramework
    endpoint: TeamsEndpoint
    decoder: TeamsDecoder
    chat: TeamsChat


def teams_side(
    settings: Settings,
    store: ReportStore,
    intake: Intake,
    framework: BotFramework | None = None,
    checklist: Checklist | None = None,
    runner: TurnRunner | None = None,
) -> TeamsSide:
    """`framework`: one built by the caller instead of from the settings (the benchmark's,
    pointed at a local identity server). `runner`: the turns' runner, whose checks and engine
    answer the form dialogs (without it, form buttons open no dialog)."""
    framework = framework or BotFramework(
        TeamsSettings(
            app_id=settings.microsoft_app_id,
            app_password=settings.microsoft_app_password,
            tenant_id=settings.microsoft_app_tenant_id,
            app_type=settings.microsoft_app_type or "MultiTenant",
            service_urls=parse_patterns(settings.teams_service_urls),
        )
    )
    # The references activities bring are kept by their turns; the chat reads them back.
    chat = TeamsChat(framework, store.addresses.teams_conversations)
    # The message action's form lists the channel's open reports, read from the store.
    actions = MessageActions(store, checklist or default_checklist())
    # A form dialog is the turn its button would be, rehearsed on the committed report.
    dialogs = Dialogs(RehearsedTurns(runner)) if runner is not None else None
    endpoint = TeamsEndpoint(framework, intake, actions, dialogs)
    # The decoder reads the same book back: a message action's author by their Teams id.
    decoder = TeamsDecoder(store.addresses.teams_conversations, framework)
    return TeamsSide(framework, endpoint, decoder, chat)
