"""The one error `serve` reports for settings that cannot work."""

from __future__ import annotations


class ConfigError(Exception):
    """The environment asks for something that cannot work; the message says what to set."""
