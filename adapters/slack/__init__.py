"""Slack: pure translators between Slack payloads and the engine's events and effects.

The Bolt app, the HTTP and Socket Mode entry points and the Web API client arrive with the
rest of the Slack work; these functions do no I/O so they test without a network.
"""
