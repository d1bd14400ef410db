"""The one base of the core's immutable records: frozen, and strict about unknown fields so a
misspelt field fails where it is written instead of vanishing."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
