"""A root card for tests that need one and not a whole report."""

from __future__ import annotations

from conversations.effects import RootCard
from conversations.state import Actor


def card(title: str) -> RootCard:
    return RootCard(
        report_id="R1",
        title=title,
        tlp="TLP:AMBER",
        lead=Actor(id="U1", name="Lead"),
        status="open",
        answered=0,
        total=1,
        sections=(),
        open_conflicts=(),
        buttons=(),
    )
