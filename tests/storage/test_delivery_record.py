"""What went to JCDC (the report's delivery record) survives saving and loading."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Row

from conversations.state import DeliveryRecord
from storage.repository import ReportStore
from storage.rows import report_values, state_from_rows
from tests.storage.states import create, rich_state


def _row(values: dict[str, Any]) -> Row[Any]:
    # A row as the database returns it: the save never writes `purged_at` (retention does).
    return cast(Row[Any], SimpleNamespace(purged_at=None, **values))


async def test_delivery_record_round_trips_through_the_database(store: ReportStore) -> None:
    state = rich_state()
    assert state.delivery.last_sent is not None  # the fixture really carries one
    saved = await create(store, state)
    loaded = await store.load(saved.id)
    assert loaded is not None
    assert loaded.delivery == state.delivery
    assert loaded.delivery.last_sent is not None
    assert loaded.delivery.last_sent.at == state.delivery.last_sent.at


def test_delivery_record_is_written_to_the_navigation_column() -> None:
    state = rich_state().model_copy(update={"contributions": (), "assignments": ()})
    values = report_values(state)
    assert values["navigation"]["delivery"]["last_sent"]["message_id"] == (
        "<r-1.1@jcdc-bot.example>"
    )
    assert state_from_rows(_row(values), (), ()) == state


def test_rows_from_before_delivery_records_load_with_none() -> None:
    state = rich_state().model_copy(update={"contributions": (), "assignments": ()})
    values = report_values(state)
    del values["navigation"]["delivery"]
    loaded = state_from_rows(_row(values), (), ())
    assert loaded.delivery == DeliveryRecord()
    assert loaded == state.model_copy(update={"delivery": DeliveryRecord()})
