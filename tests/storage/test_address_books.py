"""Platform address books on SQLite and PostgreSQL: Teams conversation references and Slack
channels' workspaces, written in a turn's transaction from the addresses its event brings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack.workspaces import CHANNEL_BOOK, Workspace
from adapters.teams.references import REFERENCE_BOOK, user_key
from conversations.addresses import Address
from storage.address_books import BOOKS, UnknownAddressBook
from storage.database import Database
from storage.repository import ReportStore
from storage.slack_channels import ChannelWorkspace, SlackChannels
from storage.teams_conversations import TeamsConversations, teams_conversations
from tests.storage.states import T0, write_transactions_opened

CHANNEL = "19:3f0c2bd1c2a24b2f9ee9b26a4d1e0a4b@thread.tacv2"


def reference(service_url: str = "https://smba.trafficmanager.net/amer/") -> dict[str, Any]:
    return {
        "serviceUrl": service_url,
        "channelId": "msteams",
        "conversation": {"id": CHANNEL, "tenantId": "t1", "conversationType": "channel"},
        "bot": {"id": "28:bot", "name": "JCDC"},
        "user": {"id": "29:alice", "name": "Alice"},
    }


def teams(key: str, value: dict[str, Any], replace: bool = True) -> Address:
    return Address(book=REFERENCE_BOOK, key=key, value=value, replace=replace)


async def keep(store: ReportStore, *addresses: Address) -> None:
    async with store.transaction() as transaction:
        await transaction.save_addresses(addresses, T0)


async def updated_at(database: Database, key: str) -> Any:
    async with database.engine.connect() as connection:
        return await connection.scalar(
            select(teams_conversations.c.updated_at).where(
                teams_conversations.c.conversation_id == key
            )
        )


def test_the_adapters_books_are_the_ones_storage_keeps() -> None:
    # The adapters name their books without importing storage: the names must agree.
    assert {CHANNEL_BOOK, REFERENCE_BOOK} == set(BOOKS)


async def test_saved_reference_survives_a_new_store(database: Database) -> None:
    await TeamsConversations(database).save(CHANNEL, reference())
    # A new book is a restarted process: nothing remembered, everything read back.
    assert await TeamsConversations(database).load(CHANNEL) == reference()
    assert await TeamsConversations(database).load("19:unknown@thread.tacv2") is None


async def test_a_turns_addresses_are_committed_with_it_and_read_through_the_ports(
    database: Database,
) -> None:
    store = ReportStore(database)
    workspace = Workspace(team_id="T1", enterprise_id=None)
    await keep(store, teams(CHANNEL, reference()), workspace.address_of("C1"))
    assert await TeamsConversations(database).load(CHANNEL) == reference()
    assert await SlackChannels(database).workspace_of("C1") == ChannelWorkspace("T1", None)
    assert await store.addresses.slack_channels.workspace_of("C1") == ChannelWorkspace("T1", None)


async def test_a_rolled_back_turn_keeps_no_address(database: Database) -> None:
    store = ReportStore(database)

    async def failing_turn() -> None:
        async with store.transaction() as transaction:
            await transaction.save_addresses([teams(CHANNEL, reference())], T0)
            raise RuntimeError("the turn failed after writing")

    with pytest.raises(RuntimeError):
        await failing_turn()
    assert await store.addresses.teams_conversations.load(CHANNEL) is None
    assert await TeamsConversations(database).load(CHANNEL) is None


async def test_a_newer_reference_replaces_the_old(database: Database) -> None:
    store = ReportStore(database)
    await keep(store, teams(CHANNEL, reference()))
    moved = reference("https://smba.trafficmanager.net/emea/")
    await keep(store, teams(CHANNEL, moved))
    assert await store.addresses.teams_conversations.load(CHANNEL) == moved
    assert await TeamsConversations(database).load(CHANNEL) == moved


async def test_unchanged_reference_is_not_written_again(database: Database) -> None:
    store = ReportStore(database)
    await keep(store, teams(CHANNEL, reference()))
    first = await updated_at(database, CHANNEL)
    async with store.transaction() as transaction:
        await transaction.save_addresses([teams(CHANNEL, reference())], T0.replace(year=2030))
        assert transaction.addresses_written == []
    assert await updated_at(database, CHANNEL) == first


async def test_a_gap_filling_address_keeps_what_is_known(database: Database) -> None:
    store = ReportStore(database)
    personal = {**reference(), "conversation": {"id": "a:1dm", "conversationType": "personal"}}
    await keep(store, teams(user_key("29:alice"), personal))
    # Another replica (a fresh store) hears from Alice in a channel: the personal chat stays.
    other = ReportStore(database)
    await keep(other, teams(user_key("29:alice"), reference(), replace=False))
    assert await other.addresses.teams_conversations.load(user_key("29:alice")) == personal
    # With nothing known, the same address fills the gap.
    await keep(other, teams(user_key("29:bob"), reference(), replace=False))
    assert await TeamsConversations(database).load(user_key("29:bob")) == reference()


async def test_concurrent_saves_of_one_key_leave_one_row(database: Database) -> None:
    books = [TeamsConversations(database) for _ in range(5)]
    urls = [f"https://smba.trafficmanager.net/r{n}/" for n in range(5)]
    await asyncio.gather(*(b.save(CHANNEL, reference(u)) for b, u in zip(books, urls, strict=True)))
    loaded = await TeamsConversations(database).load(CHANNEL)
    assert loaded is not None
    assert loaded["serviceUrl"] in urls


async def test_user_keys_do_not_collide_with_conversations(database: Database) -> None:
    store = ReportStore(database)
    personal = {**reference(), "conversation": {"id": "a:1dm", "conversationType": "personal"}}
    await keep(store, teams(user_key("29:alice"), personal), teams(CHANNEL, reference()))
    fresh = TeamsConversations(database)
    assert await fresh.load(user_key("29:alice")) == personal
    assert await fresh.load(CHANNEL) == reference()
    assert user_key("29:alice") == "user:29:alice"


async def test_long_teams_ids_fit(database: Database) -> None:
    long_id = "19:" + "x" * 200 + "@thread.tacv2"
    await keep(ReportStore(database), teams(long_id, reference()))
    assert await TeamsConversations(database).load(long_id) == reference()


async def test_an_unknown_book_fails_the_turn(database: Database) -> None:
    store = ReportStore(database)
    with pytest.raises(UnknownAddressBook):
        await keep(store, Address(book="fax_numbers", key="x", value={}))


async def test_saving_an_unchanged_reference_opens_no_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL even an empty write transaction costs a BEGIN and a COMMIT round trip.
    book = TeamsConversations(database)
    await book.save(user_key("U1"), reference())
    opened = write_transactions_opened(monkeypatch)
    await book.save(user_key("U1"), reference())
    assert opened[0] == 0
    await book.save(user_key("U1"), reference("https://smba.trafficmanager.net/emea/"))
    assert opened[0] == 1
    monkeypatch.undo()
    assert await TeamsConversations(database).load(user_key("U1")) == reference(
        "https://smba.trafficmanager.net/emea/"
    )
