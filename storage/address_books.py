"""The platform address books, written in a turn's transaction.

An event brings the addresses its delivery told (`conversations.addresses`); the turn runner
hands them to its `ReportTransaction`, which writes each into its book here, with the turn's
report, contributions and effects: one delivery, one transaction. The books' caches learn
only what was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.addresses import Address
from storage import slack_channels, teams_conversations
from storage.database import Database
from storage.slack_channels import SlackChannels, workspace_from
from storage.teams_conversations import TeamsConversations

BOOKS = (slack_channels.BOOK, teams_conversations.BOOK)


class UnknownAddressBook(ValueError):
    """An address names a book storage does not keep (an adapter and storage disagree)."""


class AddressBooks:
    def __init__(self, database: Database) -> None:
        self.slack_channels = SlackChannels(database)
        self.teams_conversations = TeamsConversations(database)

    async def write(
        self, connection: AsyncConnection, addresses: Sequence[Address], now: datetime
    ) -> list[Address]:
        """Inside a transaction: write each address into its book; returns those written
        (the others were known already)."""
        written = []
        for address in addresses:
            if address.book == slack_channels.BOOK:
                changed = await self.slack_channels.write(
                    connection, address.key, workspace_from(address.value), now
                )
            elif address.book == teams_conversations.BOOK:
                changed = await self.teams_conversations.write(
                    connection, address.key, dict(address.value), now, replace=address.replace
                )
            else:
                raise UnknownAddressBook(f"no address book {address.book!r} (known: {BOOKS})")
            if changed:
                written.append(address)
        return written

    def committed(self, written: Iterable[Address]) -> None:
        for address in written:
            if address.book == slack_channels.BOOK:
                self.slack_channels.committed(address.key, workspace_from(address.value))
            else:
                self.teams_conversations.committed(
                    address.key, dict(address.value), replace=address.replace
                )
