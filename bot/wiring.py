"""Building the application's parts from settings: one place, used by every command."""

from __future__ import annotations

from bot.settings import Settings
from conversations.checklist import Checklist, default_checklist, load_checklist
from storage.database import Database
from storage.repository import ReportStore


def checklist_from(settings: Settings) -> Checklist:
    if settings.checklist_path is None:
        return default_checklist()
    return load_checklist(settings.checklist_path)


async def open_store(settings: Settings) -> ReportStore:
    """Open the database, bring its schema up to date, and return the report store."""
    database = Database.from_url(settings.database_url)
    await database.upgrade()
    return ReportStore(database)
