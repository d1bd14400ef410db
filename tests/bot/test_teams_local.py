"""Teams' local mode (unauthenticated, for the Bot Framework Emulator) is explicit: asked for
with `serve --teams-local` or JCDC_TEAMS_LOCAL=1, without MicrosoftAppId, on loopback only."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config_error import ConfigError
from bot.serve import teams_local_mode
from bot.settings import Settings

APP_ID = "00000000-0000-0000-0000-000000000001"


def test_not_asked_teams_is_off_in_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.serve"):
        assert not teams_local_mode(Settings(), "127.0.0.1", flag=False)
    (line,) = caplog.messages
    assert line.startswith("Teams is off")
    assert "--teams-local" in line
    assert "JCDC_TEAMS_LOCAL=1" in line


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_flag_on_a_loopback_host_is_local_mode(host: str) -> None:
    assert teams_local_mode(Settings(), host, flag=True)


def test_the_environment_variable_is_the_same_as_the_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JCDC_TEAMS_LOCAL", "1")
    assert teams_local_mode(Settings(), "127.0.0.1", flag=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "bot.example.org", "::"])
def test_local_mode_on_another_host_refuses_to_start(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        teams_local_mode(Settings(), host, flag=True)


def test_with_an_app_id_teams_is_authenticated_whatever_is_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(microsoft_app_id=APP_ID, teams_local=True)
    with caplog.at_level(logging.WARNING, logger="bot.serve"):
        assert not teams_local_mode(settings, "0.0.0.0", flag=True)
    assert "ignored" in caplog.text


def test_serve_documents_the_flag() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--teams-local" in result.output
    assert "JCDC_TEAMS_LOCAL=1" in result.output
