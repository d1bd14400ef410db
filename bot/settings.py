"""Settings from the environment; every default works on a laptop.

Every credential is a `SecretStr`: `repr()`, `str()`, logs and `model_dump_json()` show it
masked, and only `.get_secret_value()` hands it out, at the place that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from bot.config_error import ConfigError
from conversations.people import parse_person_key
from conversations.policy import JCDC_ADDRESS, Policy
from storage.database import DEFAULT_DATABASE_URL

# sqlalchemy shows a hidden password as ***; in a query string that would be %2A%2A%2A.
_QUERY_MASK = "xxxxx"


def url_for_logs(url: str) -> str:
    """`url` with its password masked (and any password-like query parameter, which libpq and
    asyncpg also accept); something that is not a URL at all is not shown."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "**********"
    hidden = {key: _QUERY_MASK for key in parsed.query if "pass" in key.lower()}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


class DatabaseUrl(SecretStr):
    """A database URL, which may carry a password: shown (repr, str) with the password masked,
    so a log line still says which server it is about; `.get_secret_value()` is the real one.
    (`model_dump_json` masks it entirely, as for every SecretStr.)"""

    def __str__(self) -> str:
        return url_for_logs(self.get_secret_value())

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"


class Settings(BaseSettings):
    """Read with the environment variable names documented in the README."""

    # hide_input_in_errors: a validation error (and its traceback) would otherwise quote the
    # whole environment it was given, secrets included.
    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    database_url: DatabaseUrl = Field(
        DatabaseUrl(DEFAULT_DATABASE_URL), validation_alias="DATABASE_URL"
    )
    email_to: str = Field(JCDC_ADDRESS, validation_alias="JCDC_EMAIL_TO")
    # Comma-separated `platform:workspace:user` entries (e.g. `slack:T0123:U0456`) of people
    # who may confirm sends besides the report's lead. A bare user id is refused: the same id
    # can be someone else in another workspace.
    approvers: str = Field("", validation_alias="JCDC_APPROVERS")
    confirm_send: bool = Field(True, validation_alias="JCDC_CONFIRM_SEND")
    checklist_path: Path | None = Field(
        None, validation_alias=AliasChoices("JCDC_CHECKLIST", "JCDC_CHECKLIST_PATH")
    )
    require_second_approver: bool = Field(False, validation_alias="JCDC_REQUIRE_SECOND_APPROVER")
    # Your organisation's sending address; never CISA's own.
    email_from: str = Field("jcdc-bot@localhost", validation_alias="JCDC_EMAIL_FROM")
    email_cc: str = Field("", validation_alias="JCDC_EMAIL_CC")
    smtp_host: str | None = Field(None, validation_alias="SMTP_HOST")
    smtp_port: int = Field(587, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(None, validation_alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, validation_alias="SMTP_PASSWORD")
    smtp_tls: Literal["starttls", "tls", "none"] = Field("starttls", validation_alias="SMTP_TLS")
    # SMTP_TLS=none with a username or password would send them over the wire in clear text:
    # refused unless this says that the path to the relay is trusted (a local relay, say).
    smtp_allow_plaintext_auth: bool = Field(False, validation_alias="SMTP_ALLOW_PLAINTEXT_AUTH")
    outbox_dir: Path = Field(Path("outbox"), validation_alias="OUTBOX_DIR")
    # Optional S/MIME: encrypt to JCDC's certificate and/or sign with the sender's.
    smime_cert: Path | None = Field(None, validation_alias="JCDC_SMIME_CERT")
    smime_sign_cert: Path | None = Field(None, validation_alias="JCDC_SMIME_SIGN_CERT")
    smime_sign_key: Path | None = Field(None, validation_alias="JCDC_SMIME_SIGN_KEY")

    # Slack. HTTP mode needs the bot token (or OAuth client) and the signing secret;
    # Socket Mode needs the app-level token instead of a public URL.
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Slack's limit is about one message per second per channel, with short bursts.
    slack_posts_per_second: float = Field(1.0, gt=0, validation_alias="SLACK_POSTS_PER_SECOND")
    slack_post_burst: int = Field(3, ge=1, validation_alias="SLACK_POST_BURST")
    # Turns running at once in this process (bot/inbox_worker.py); the rest wait in the inbox.
    # Turns and acknowledgements share one event loop, and a turn is mostly work on it rather
    # than waiting: more turns at once add little throughput and delay every acknowledgement
    # (bench_slack on PostgreSQL, concurrency 50: ack p99 51 ms with 2, 388 ms with 16).
    max_concurrent_turns: int = Field(4, ge=1, validation_alias="JCDC_MAX_CONCURRENT_TURNS")
    # Processed inbox deliveries and performed chat effects are kept this long (for the
    # operator looking into what happened), then purged.
    inbox_keep_hours: float = Field(168.0, gt=0, validation_alias="JCDC_INBOX_KEEP_HOURS")
    # Reports sent or cancelled this many days ago (and unchanged since) lose their answers
    # on `jcdc-bot purge` (storage/retention.py); unset: kept until someone deletes them.
    retention_days: int | None = Field(None, ge=1, validation_alias="JCDC_RETENTION_DAYS")
    # `json`: one JSON object per log line, for a log collector (bot/logs.py).
    log_format: Literal["text", "json"] = Field("text", validation_alias="JCDC_LOG_FORMAT")
    # Teams (Bot Framework's own variable names).
    microsoft_app_id: str = Field("", validation_alias="MicrosoftAppId")
    microsoft_app_password: SecretStr = Field(
        SecretStr(""), validation_alias="MicrosoftAppPassword"
    )
    microsoft_app_tenant_id: str = Field("", validation_alias="MicrosoftAppTenantId")
    microsoft_app_type: str = Field("MultiTenant", validation_alias="MicrosoftAppType")
    # Unauthenticated Teams for the Bot Framework Emulator, on a loopback host only (the same
    # as `serve --teams-local`). Without it and without MicrosoftAppId, Teams is off.
    teams_local: bool = Field(False, validation_alias="JCDC_TEAMS_LOCAL")
    # `scheme://host` patterns (comma-separated) of the service URLs the bot may post to;
    # empty: Microsoft's Bot Framework and Teams hosts (adapters/teams/service_urls.py).
    teams_service_urls: str = Field("", validation_alias="JCDC_TEAMS_SERVICE_URLS")

    @model_validator(mode="after")
    def _no_plaintext_smtp_auth(self) -> Self:
        credentials = self.smtp_username or self.smtp_password
        if self.smtp_tls == "none" and credentials and not self.smtp_allow_plaintext_auth:
            raise ValueError(
                "SMTP_TLS=none would send SMTP_USERNAME/SMTP_PASSWORD unencrypted: use "
                "SMTP_TLS=starttls or tls, or set SMTP_ALLOW_PLAINTEXT_AUTH=true if the way to "
                "the relay is trusted"
            )
        return self

    @property
    def database_url_for_logs(self) -> str:
        return url_for_logs(self.database_url.get_secret_value())

    @field_validator("approvers")
    @classmethod
    def _approvers_are_full_keys(cls, value: str) -> str:
        for entry in _entries(value):
            parse_person_key(entry)  # its ValueError names the entry and the expected form
        return value

    def slack_oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_oauth() or self.slack_app_token)

    def policy(self) -> Policy:
        return Policy(
            recipient=self.email_to,
            approvers=frozenset(parse_person_key(entry) for entry in _entries(self.approvers)),
            confirm_send=self.confirm_send,
            require_second_approver=self.require_second_approver,
        )

    def cc(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.email_cc.split(",") if a.strip())


def load_settings() -> Settings:
    """The settings from the environment, or a ConfigError saying which ones cannot work."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None


def _entries(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]
