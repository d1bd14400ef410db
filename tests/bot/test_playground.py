"""`jcdc-bot playground`: loopback only, no platform but the browser, an honest banner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from bot.cli import main
from bot.config_error import ConfigError
from bot.playground import banner_lines, playground_settings, require_loopback
from bot.settings import Settings


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    require_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com", ""])
def test_any_other_address_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback address only"):
        require_loopback(host)


def test_the_command_refuses_a_public_bind_before_it_opens_anything() -> None:
    result = CliRunner().invoke(main, ["playground", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code != 0
    assert "loopback address only" in result.output


def test_slack_and_teams_are_off_whatever_the_environment_says() -> None:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-1"),
        slack_signing_secret=SecretStr("s"),
        microsoft_app_id="app",
    )
    quiet = playground_settings(settings)
    assert not quiet.slack_enabled()
    assert quiet.microsoft_app_id == ""


def test_the_banner_says_where_mail_goes() -> None:
    (first, folder) = banner_lines(Settings(), "http://127.0.0.1:8080/")
    assert "playground" in first
    assert "not an authenticated deployment" in first
    assert folder.startswith("Nothing goes to CISA")
    (_, relay) = banner_lines(Settings(smtp_host="mail.example"), "http://127.0.0.1:8080/")
    assert "IS e-mailed to CISA.JCDC@cisa.dhs.gov" in relay
