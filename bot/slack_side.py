"""Slack's part of `serve`, composed: the settings handed to adapters.slack.setup, which
owns the wiring (scopes, OAuth, clients, endpoint, Socket Mode)."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.intake import Intake
from adapters.slack.deliveries import CheckForm
from adapters.slack.setup import SlackConfigError, SlackSettings, SlackSide, slack_side
from bot.config_error import ConfigError
from bot.settings import Settings
from storage.repository import ReportStore

__all__ = ["SlackSide", "slack_settings", "slack_side_from"]


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def slack_settings(settings: Settings) -> SlackSettings:
    return SlackSettings(
        bot_token=_secret(settings.slack_bot_token),
        signing_secret=_secret(settings.slack_signing_secret),
        app_token=_secret(settings.slack_app_token),
        client_id=settings.slack_client_id or "",
        client_secret=_secret(settings.slack_client_secret),
        api_url=settings.slack_api_url,
    )


def slack_side_from(
    settings: Settings,
    store: ReportStore,
    intake: Intake,
    check_form: CheckForm,
    *,
    socket_mode: bool = False,
) -> SlackSide:
    try:
        return slack_side(
            slack_settings(settings),
            store.database.engine,
            store.addresses.slack_channels,
            intake,
            check_form,
            socket_mode=socket_mode,
        )
    except SlackConfigError as error:
        raise ConfigError(str(error)) from None
