"""Thin translators between chat platforms (and mail) and the engine's events and effects."""
