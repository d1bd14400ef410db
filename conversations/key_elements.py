"""CISA's key elements of an incident report, and the checklist items that answer each.

CISA's incident reporting guidance names what every report should carry: when it happened,
where, what kind of activity, a narrative, how many people or systems are affected, who is
reporting and how to reach them, severity, the critical-infrastructure sector, and who else
has been informed. The send confirmation, the e-mail and the `cisa` export lead with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyElement:
    label: str
    # Checklist items that answer it; any one answered counts.
    item_ids: tuple[str, ...]


KEY_ELEMENTS = (
    KeyElement("When it happened", ("detection.timestamps",)),
    KeyElement("Where (location, affected systems)", ("victims.geography", "artifacts.model")),
    KeyElement("Kind of activity", ("description.event_type", "attribution.attack_type")),
    KeyElement("What happened", ("handling.summary",)),
    KeyElement("People or systems affected", ("victims.user_count", "victims.impacted_products")),
    KeyElement("Who is reporting", ("handling.organisation",)),
    KeyElement("How to reach them", ("handling.contact",)),
    KeyElement("Severity", ("victims.harm_severity",)),
    KeyElement(
        "Critical infrastructure sector", ("impacts.critical_infrastructure", "victims.targets")
    ),
    KeyElement("Who else has been informed", ("handling.informed",)),
)


def missing_key_elements(is_answered: Callable[[str], bool]) -> list[KeyElement]:
    """The key elements none of whose items is answered."""
    return [
        element
        for element in KEY_ELEMENTS
        if not any(is_answered(item_id) for item_id in element.item_ids)
    ]
