"""Migrations: they build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from storage.database import Database, alembic_config
from storage.tables import metadata


def _schema_diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_migrations_match_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_schema_diff) == []
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables == set(metadata.tables) | {"alembic_version"}


async def test_upgrade_is_idempotent_and_reaches_the_head(database: Database) -> None:
    await database.upgrade()
    async with database.engine.connect() as connection:
        version = await connection.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == _head()


async def test_downgrade_to_nothing_and_up_again(database: Database) -> None:
    async with database.writing() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
    async with database.engine.connect() as connection:
        left = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert left <= {"alembic_version"}

    await database.upgrade()
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_schema_diff) == []


async def test_0007_numbers_existing_reports_per_channel_in_creation_order(
    database: Database,
) -> None:
    async with database.writing() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0006"))
        # Inserted out of creation order: the numbers follow created_at, not the insert.
        for report_id, channel, created in (
            ("r-late", "C1", "2026-01-03 00:00:00"),
            ("r-early", "C1", "2026-01-01 00:00:00"),
            ("r-other", "C2", "2026-01-02 00:00:00"),
        ):
            await connection.execute(
                text(
                    "INSERT INTO reports (id, platform, workspace, channel, title, status, "
                    "lead, created_at, updated_at, checklist_version, version, navigation) "
                    f"VALUES ('{report_id}', 'slack', 'T1', '{channel}', 'A report', 'open', "
                    f'\'{{"id": "U1", "name": "Ann"}}\', \'{created}\', \'{created}\', '
                    "'v1', 1, '{}')"
                )
            )
    await database.upgrade()
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, number FROM reports ORDER BY id"))
        assert {row.id: row.number for row in rows} == {"r-early": 1, "r-late": 2, "r-other": 1}
        assert await connection.run_sync(_schema_diff) == []


async def test_0008_keeps_one_report_per_thread_and_refuses_a_second(
    database: Database,
) -> None:
    async with database.writing() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0007"))
        # Two reports on one thread (an old demo run made such pairs) and one elsewhere.
        for report_id, number, thread, created in (
            ("r-old", 1, "1.1", "2026-01-01 00:00:00"),
            ("r-new", 2, "1.1", "2026-01-02 00:00:00"),
            ("r-own", 3, "2.2", "2026-01-01 00:00:00"),
        ):
            await connection.execute(
                text(
                    "INSERT INTO reports (id, platform, workspace, channel, thread, title, "
                    "number, status, lead, created_at, updated_at, checklist_version, version, "
                    f"navigation) VALUES ('{report_id}', 'slack', 'T1', 'C1', '{thread}', "
                    f'\'A report\', {number}, \'open\', \'{{"id": "U1", "name": "Ann"}}\', '
                    f"'{created}', '{created}', 'v1', 1, '{{}}')"
                )
            )
    await database.upgrade()
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, thread FROM reports ORDER BY id"))
        assert {row.id: row.thread for row in rows} == {
            "r-new": "1.1",
            "r-old": None,
            "r-own": "2.2",
        }
        assert await connection.run_sync(_schema_diff) == []
    with pytest.raises(IntegrityError):
        async with database.writing() as connection:
            await connection.execute(text("UPDATE reports SET thread = '2.2' WHERE id = 'r-new'"))
