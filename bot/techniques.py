"""Builds the shipped ATT&CK/ATLAS technique table from MITRE's own data files.

Inputs: an ATT&CK Enterprise STIX bundle (attack-stix-data's `enterprise-attack.json`, or any
bundle of the same objects) and ATLAS's `ATLAS.yaml`. The output is the compact JSON that
`conversations.answers.techniques` loads: id → name, tactics, deprecated/revoked and the
replacement, stamped with both data versions. `jcdc-bot techniques update` and
`scripts/techniques.py` call this; nothing at run time reads MITRE's files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from conversations.answers.techniques import TABLE_PATH


class TechniqueDataError(ValueError):
    """The input is not the MITRE file it should be."""


def _attack_id(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("external_references", ()):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return str(ref["external_id"])
    return None


def attack_entries(bundle: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Enterprise techniques and the ATT&CK version (from the x-mitre-collection, if any)."""
    if bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise TechniqueDataError("the ATT&CK file is not a STIX bundle")
    objects: list[dict[str, Any]] = bundle["objects"]
    tactic_names = {
        o["x_mitre_shortname"]: o["name"]
        for o in objects
        if o.get("type") == "x-mitre-tactic" and "x_mitre_shortname" in o
    }
    version = next(
        (str(o["x_mitre_version"]) for o in objects if o.get("type") == "x-mitre-collection"),
        None,
    )
    by_stix_id: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    for obj in objects:
        if obj.get("type") != "attack-pattern":
            continue
        technique = _attack_id(obj)
        if technique is None:
            continue
        by_stix_id[obj["id"]] = technique
        entry: dict[str, Any] = {
            "name": obj["name"],
            "tactics": [
                tactic_names.get(p["phase_name"], p["phase_name"])
                for p in obj.get("kill_chain_phases", ())
                if p.get("kill_chain_name") == "mitre-attack"
            ],
        }
        if obj.get("revoked"):
            entry["status"] = "revoked"
        elif obj.get("x_mitre_deprecated"):
            entry["status"] = "deprecated"
        entries[technique] = entry
    for obj in objects:
        if obj.get("type") == "relationship" and obj.get("relationship_type") == "revoked-by":
            old = by_stix_id.get(obj.get("source_ref", ""))
            new = by_stix_id.get(obj.get("target_ref", ""))
            if old and new and old != new:
                entries[old]["replaced_by"] = new
    if not entries:
        raise TechniqueDataError("the ATT&CK bundle holds no attack-pattern with an ATT&CK id")
    return entries, version


def atlas_entries(atlas: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], str]:
    matrices = atlas.get("matrices")
    if not isinstance(matrices, list) or "version" not in atlas:
        raise TechniqueDataError("the ATLAS file is not ATLAS.yaml (no version or matrices)")
    entries: dict[str, dict[str, Any]] = {}
    for matrix in matrices:
        tactic_names = {t["id"]: t["name"] for t in matrix.get("tactics", ())}
        for technique in matrix.get("techniques", ()):
            entry: dict[str, Any] = {
                "name": technique["name"],
                "tactics": [tactic_names.get(t, t) for t in technique.get("tactics", ())],
            }
            if technique.get("deprecated") or technique.get("maturity") == "deprecated":
                entry["status"] = "deprecated"
            entries[technique["id"]] = entry
    if not entries:
        raise TechniqueDataError("the ATLAS file holds no technique")
    return entries, str(atlas["version"])


def build_table(
    attack_bundle: dict[str, Any], atlas: dict[str, Any], attack_version: str | None = None
) -> dict[str, Any]:
    attack, found_version = attack_entries(attack_bundle)
    version = attack_version or found_version
    if version is None:
        raise TechniqueDataError(
            "the ATT&CK bundle has no x-mitre-collection object naming its version; "
            "give it with --attack-version"
        )
    atlas_table, atlas_version = atlas_entries(atlas)
    return {
        "attack_version": version,
        "atlas_version": atlas_version,
        "techniques": dict(sorted({**attack, **atlas_table}.items())),
    }


def dump_table(table: dict[str, Any]) -> str:
    """One technique per line: compact, and a data update reads as a small diff."""
    lines = [
        "{",
        f'"attack_version": {json.dumps(table["attack_version"])},',
        f'"atlas_version": {json.dumps(table["atlas_version"])},',
        '"techniques": {',
    ]
    items = list(table["techniques"].items())
    for index, (technique, entry) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(
            f"{json.dumps(technique)}: {json.dumps(entry, ensure_ascii=False, sort_keys=True)}"
            + comma
        )
    lines += ["}", "}", ""]
    return "\n".join(lines)


def update_table(
    attack_file: Path,
    atlas_file: Path,
    out: Path = TABLE_PATH,
    attack_version: str | None = None,
) -> dict[str, Any]:
    try:
        bundle = json.loads(attack_file.read_text("utf-8"))
        atlas = yaml.safe_load(atlas_file.read_text("utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise TechniqueDataError(f"cannot read the data files: {error}") from error
    if not isinstance(bundle, dict) or not isinstance(atlas, dict):
        raise TechniqueDataError("the data files are not a STIX bundle and ATLAS.yaml")
    table = build_table(bundle, atlas, attack_version)
    out.write_text(dump_table(table), "utf-8")
    return table
