"""Settings from the environment; every default works on a laptop."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.policy import JCDC_ADDRESS, Policy
from storage.database import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Read with the environment variable names documented in the README."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    email_to: str = Field(JCDC_ADDRESS, validation_alias="JCDC_EMAIL_TO")
    # Comma-separated platform user ids who may confirm sends besides the report's lead.
    approvers: str = Field("", validation_alias="JCDC_APPROVERS")
    confirm_send: bool = Field(True, validation_alias="JCDC_CONFIRM_SEND")
    checklist_path: Path | None = Field(
        None, validation_alias=AliasChoices("JCDC_CHECKLIST", "JCDC_CHECKLIST_PATH")
    )

    def policy(self) -> Policy:
        return Policy(
            recipient=self.email_to,
            approvers=frozenset(a.strip() for a in self.approvers.split(",") if a.strip()),
            confirm_send=self.confirm_send,
        )
