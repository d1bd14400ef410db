"""Settings from the environment; every default works on a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.people import parse_person_key
from conversations.policy import JCDC_ADDRESS, Policy
from storage.database import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Read with the environment variable names documented in the README."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
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
    # Turns running at once in this process; more wait (see bot/admission.py). A turn against
    # the real Slack takes a few hundred milliseconds, mostly waiting: 16 still allows dozens
    # of turns a second, and keeps acknowledgements quick under a burst.
    max_concurrent_turns: int = Field(16, ge=1, validation_alias="JCDC_MAX_CONCURRENT_TURNS")
    # Teams (Bot Framework's own variable names).
    microsoft_app_id: str = Field("", validation_alias="MicrosoftAppId")
    microsoft_app_password: SecretStr = Field(
        SecretStr(""), validation_alias="MicrosoftAppPassword"
    )
    microsoft_app_tenant_id: str = Field("", validation_alias="MicrosoftAppTenantId")
    microsoft_app_type: str = Field("MultiTenant", validation_alias="MicrosoftAppType")

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


def _entries(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]
