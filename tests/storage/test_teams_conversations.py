"""Teams conversation references on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from storage.database import Database
from storage.teams_conversations import TeamsConversations, user_key

CHANNEL = "19:3f0c2bd1c2a24b2f9ee9b26a4d1e0a4b@thread.tacv2"


def reference(service_url: str = "https://smba.trafficmanager.net/amer/") -> dict[str, Any]:
    return {
        "serviceUrl": service_url,
        "channelId": "msteams",
        "conversation": {"id": CHANNEL, "tenantId": "t1", "conversationType": "channel"},
        "bot": {"id": "28:bot", "name": "JCDC"},
        "user": {"id": "29:alice", "name": "Alice"},
    }


async def test_saved_reference_survives_a_new_store(database: Database) -> None:
    await TeamsConversations(database).save(CHANNEL, reference())
    # A new store is a restarted process: nothing remembered, everything read back.
    assert await TeamsConversations(database).load(CHANNEL) == reference()
    assert await TeamsConversations(database).load("19:unknown@thread.tacv2") is None


async def test_save_replaces_the_reference(database: Database) -> None:
    store = TeamsConversations(database)
    await store.save(CHANNEL, reference())
    first = await store.updated_at(CHANNEL)
    moved = reference("https://smba.trafficmanager.net/emea/")
    await store.save(CHANNEL, moved)
    store.forget()
    assert await store.load(CHANNEL) == moved
    later = await store.updated_at(CHANNEL)
    assert first is not None
    assert later is not None
    assert later >= first
    assert later.tzinfo is not None


async def test_unchanged_reference_is_not_written_again(database: Database) -> None:
    store = TeamsConversations(database)
    await store.save(CHANNEL, reference())
    first = await store.updated_at(CHANNEL)
    await asyncio.sleep(0.01)
    await store.save(CHANNEL, reference())
    assert await store.updated_at(CHANNEL) == first


async def test_concurrent_saves_of_one_key_leave_one_row(database: Database) -> None:
    stores = [TeamsConversations(database) for _ in range(5)]
    urls = [f"https://smba.trafficmanager.net/r{n}/" for n in range(5)]
    await asyncio.gather(
        *(s.save(CHANNEL, reference(u)) for s, u in zip(stores, urls, strict=True))
    )
    loaded = await TeamsConversations(database).load(CHANNEL)
    assert loaded is not None
    assert loaded["serviceUrl"] in urls


async def test_user_keys_do_not_collide_with_conversations(database: Database) -> None:
    store = TeamsConversations(database)
    personal = {**reference(), "conversation": {"id": "a:1dm", "conversationType": "personal"}}
    await store.save(user_key("29:alice"), personal)
    await store.save(CHANNEL, reference())
    store.forget()
    assert await store.load(user_key("29:alice")) == personal
    assert await store.load(CHANNEL) == reference()
    assert user_key("29:alice") == "user:29:alice"


async def test_long_teams_ids_fit(database: Database) -> None:
    long_id = "19:" + "x" * 200 + "@thread.tacv2"
    store = TeamsConversations(database)
    await store.save(long_id, reference())
    store.forget()
    assert await store.load(long_id) == reference()
