"""The MITRE ATT&CK (Enterprise) and ATLAS techniques known offline: id → name, tactics and
whether MITRE deprecated or revoked it. Generated from MITRE's own data files by
`jcdc-bot techniques update` (bot/techniques.py); this module only reads the shipped table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("techniques.json")

_ID = re.compile(r"^(AML\.)?T(\d{4})(?:\.(\d{3}))?$")


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]
    # "deprecated", "revoked" or None.
    status: str | None = None
    replaced_by: str | None = None

    @property
    def framework(self) -> str:
        return "atlas" if self.id.startswith("AML.") else "attack"

    @property
    def label(self) -> str:
        """`AML.T0051 LLM Prompt Injection`: how every acknowledgement and document names it."""
        return f"{self.id} {self.name}"

    @property
    def url(self) -> str:
        if self.framework == "atlas":
            return f"https://atlas.mitre.org/techniques/{self.id}"
        return f"https://attack.mitre.org/techniques/{self.id.replace('.', '/')}/"


@dataclass(frozen=True)
class TechniqueTable:
    attack_version: str
    atlas_version: str
    techniques: dict[str, Technique]

    def get(self, technique_id: str) -> Technique | None:
        return self.techniques.get(technique_id)

    def closest(self, technique_id: str, limit: int = 3) -> list[Technique]:
        """Known ids nearest an unknown one: the parent and its sub-techniques for an unknown
        sub-technique, else the numerically nearest techniques of the same framework."""
        match = _ID.match(technique_id)
        if match is None:
            return []
        atlas, number, sub = match.groups()
        prefix = "AML.T" if atlas else "T"
        parent = self.techniques.get(prefix + number)
        if sub is not None and parent is not None:
            siblings = [t for key, t in self.techniques.items() if key.startswith(f"{parent.id}.")]
            return [parent, *siblings][:limit]
        candidates = [
            t
            for key, t in self.techniques.items()
            if key.startswith(prefix) and "." not in key.removeprefix("AML.") and t.status is None
        ]
        candidates.sort(key=lambda t: (abs(int(t.id[len(prefix) :]) - int(number)), t.id))
        return sorted(candidates[:limit], key=lambda t: t.id)

    def warning(self, technique: Technique) -> str | None:
        """What to tell someone who names a deprecated or revoked technique."""
        if technique.status is None:
            return None
        replacement = self.get(technique.replaced_by) if technique.replaced_by else None
        instead = (
            f"; MITRE replaced it with {replacement.label}"
            if replacement is not None
            else "; MITRE names no replacement"
        )
        return f"{technique.id} is {technique.status} in MITRE's data{instead}"


@cache
def technique_table() -> TechniqueTable:
    data = json.loads(TABLE_PATH.read_text("utf-8"))
    entries = data["techniques"]

    def full_name(key: str) -> str:
        # Sub-techniques are named as MITRE shows them: "Phishing: Spearphishing Link".
        match = _ID.match(key)
        parent = entries.get(key.rpartition(".")[0]) if match and match.group(3) else None
        name = str(entries[key]["name"])
        return f"{parent['name']}: {name}" if parent is not None else name

    return TechniqueTable(
        attack_version=data["attack_version"],
        atlas_version=data["atlas_version"],
        techniques={
            key: Technique(
                id=key,
                name=full_name(key),
                tactics=tuple(entry.get("tactics", ())),
                status=entry.get("status"),
                replaced_by=entry.get("replaced_by"),
            )
            for key, entry in data["techniques"].items()
        },
    )
