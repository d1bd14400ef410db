"""No credential is ever shown: not by the settings (repr, str, JSON), not by the Teams or SMTP
configuration built from them, not in the log of opening the database or of failing to.
Every check also shows that the real value is there to be found, so a masked-out one is not
merely missing."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import make_url

from adapters.email.transport import SmtpTransport
from adapters.intake import Delivery
from adapters.teams.framework import TeamsSettings, msal_configuration
from bot.config_error import ConfigError
from bot.settings import Settings, load_settings
from bot.teams_side import teams_side
from bot.wiring import open_store, transport_from
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.email.smtp_server import free_port
from tests.conftest import POSTGRES_URL
from tests.pg_server import fresh_database
from tests.secrets_helpers import (
    DATABASE_PASSWORD,
    PUBLIC_SETTINGS,
    SECRET_SETTINGS,
    assert_no_secrets,
    leaked,
    secret_environment,
    with_database_password,
)


def _set(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Settings:
    for name, value in secret_environment(database_url).items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    return _set(monkeypatch, "postgresql://jcdc@db.example.org:5432/jcdc")


def _field(alias: str) -> str:
    (name,) = [n for n, f in Settings.model_fields.items() if f.validation_alias == alias]
    return name


def test_the_helper_finds_what_it_looks_for() -> None:
    # Otherwise every "no secrets" below would pass by finding nothing, ever.
    url = secret_environment("postgresql://u@h/db")["DATABASE_URL"]
    assert leaked(url) == ["DATABASE_URL password (URL-encoded)"]
    assert set(leaked(" ".join(SECRET_SETTINGS.values()))) == set(SECRET_SETTINGS)


def test_the_settings_hold_every_credential_and_show_none(settings: Settings) -> None:
    assert settings.database_url.get_secret_value() == with_database_password(
        "postgresql://jcdc@db.example.org:5432/jcdc"
    )
    for alias, value in SECRET_SETTINGS.items():
        assert getattr(settings, _field(alias)).get_secret_value() == value
    shown = {
        "repr(settings)": repr(settings),
        "str(settings)": str(settings),
        "model_dump_json": settings.model_dump_json(),
        "model_dump": str(settings.model_dump()),
        "an f-string of the URL": f"{settings.database_url} {settings.database_url!r}",
        "database_url_for_logs": settings.database_url_for_logs,
    }
    for where, text in shown.items():
        assert_no_secrets(text, where)
    # Masked, yet still says which server it is about.
    assert settings.database_url_for_logs == "postgresql://jcdc:***@db.example.org:5432/jcdc"
    assert "db.example.org" in repr(settings)


def test_every_credential_setting_is_a_secret_and_the_list_is_complete(
    settings: Settings,
) -> None:
    secret_fields = {
        name for name in Settings.model_fields if isinstance(getattr(settings, name), SecretStr)
    }
    expected = {_field(alias) for alias in [*SECRET_SETTINGS, "DATABASE_URL"]}
    # A new credential setting must be a SecretStr and be added to tests/secrets_helpers.py.
    assert secret_fields == expected
    for name in Settings.model_fields:
        if any(word in name for word in ("token", "secret", "password")):
            assert name in secret_fields, name
    # Public identifiers stay plain (an OAuth client id is in every install link).
    for alias, value in PUBLIC_SETTINGS.items():
        assert getattr(settings, _field(alias)) == value


async def test_the_teams_settings_show_no_password(settings: Settings) -> None:
    class NoIntake:
        async def accept(self, delivery: Delivery) -> None:
            raise AssertionError("nothing is delivered in this test")

    database = Database.from_url("sqlite://")
    side = teams_side(settings, ReportStore(database), NoIntake())
    try:
        built = side.framework.settings
        from_environment = TeamsSettings.from_environment(
            {"MicrosoftAppPassword": SECRET_SETTINGS["MicrosoftAppPassword"]}
        )
        for where, teams in (("teams_side", built), ("from_environment", from_environment)):
            assert_no_secrets(repr(teams), f"repr of TeamsSettings via {where}")
            assert_no_secrets(str(teams), f"str of TeamsSettings via {where}")
            # The SDK alone is handed the real password.
            given_to_the_sdk = msal_configuration(teams).CLIENT_SECRET
            assert given_to_the_sdk == SECRET_SETTINGS["MicrosoftAppPassword"]
        assert_no_secrets(repr(msal_configuration(built)), "repr of the SDK configuration")
    finally:
        await side.framework.close()
        await database.dispose()


def test_the_smtp_transport_shows_no_password(settings: Settings) -> None:
    transport = transport_from(settings)
    assert isinstance(transport, SmtpTransport)
    assert transport.password == SECRET_SETTINGS["SMTP_PASSWORD"]
    assert_no_secrets(repr(transport), "repr of the SMTP transport")
    assert_no_secrets(str(transport), "str of the SMTP transport")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # Everything every library logs, however chatty: SQLAlchemy, asyncpg, Alembic.
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.postgres
async def test_opening_the_store_logs_no_credential(
    monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture
) -> None:
    # The shared server trusts local connections: the password is carried, never needed.
    async with fresh_database() as url:
        store = await open_store(_set(monkeypatch, url))
        await store.database.dispose()
    assert "Running upgrade" in all_logs.text  # the migrations' own log was captured
    assert_no_secrets(all_logs.text, "the log of opening the store")


async def test_waiting_for_an_unreachable_database_logs_no_credential(
    monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture
) -> None:
    settings = _set(monkeypatch, f"postgresql://jcdc@127.0.0.1:{free_port()}/jcdc")
    warned = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "database not reachable" in record.getMessage():
                warned.set()

    watch = Watch()
    logging.getLogger().addHandler(watch)
    waiting = asyncio.create_task(open_store(settings))
    try:
        await asyncio.wait_for(warned.wait(), timeout=30)
    finally:
        logging.getLogger().removeHandler(watch)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert "jcdc:***@127.0.0.1" in all_logs.text
    assert_no_secrets(all_logs.text, "the log of waiting for the database")

    with pytest.raises(ConfigError, match="database not reachable") as refused:
        await open_store(settings, wait=False)
    assert_no_secrets(str(refused.value), "the error of a one-shot command")


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(
            make_url(POSTGRES_URL)
            .set(username="no_such_role_jcdc")
            .render_as_string(hide_password=False),
            id="refused-by-the-server",
            marks=pytest.mark.postgres,
        ),
        pytest.param("nosuchdb://jcdc@127.0.0.1/x", id="unknown-scheme"),
    ],
)
async def test_a_database_that_cannot_be_opened_is_told_without_credentials(
    monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture, database_url: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        await open_store(_set(monkeypatch, database_url))
    assert "***" in str(refused.value)  # the URL is named, its password masked
    assert_no_secrets(str(refused.value), "the error")
    assert_no_secrets(all_logs.text, "the log")


def test_a_value_that_is_not_a_url_is_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"jcdc:{DATABASE_PASSWORD}@db.example.org/jcdc")
    settings = load_settings()
    assert_no_secrets(repr(settings), "repr(settings)")
    assert "**********" in repr(settings)
