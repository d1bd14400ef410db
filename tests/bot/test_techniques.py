"""`jcdc-bot techniques update`: the technique table regenerated from MITRE's file formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.techniques import build_table

ATTACK_BUNDLE: dict[str, Any] = {
    "type": "bundle",
    "id": "bundle--6f1a1f6e-1c8f-4a4e-9c4e-2f1d0f7b0a01",
    "objects": [
        {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "x_mitre_version": "99.1"},
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--1", "name": "Initial Access",
         "x_mitre_shortname": "initial-access"},
        {"type": "attack-pattern", "id": "attack-pattern--a", "name": "Phishing",
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1566"}],
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack",
                                "phase_name": "initial-access"}]},
        {"type": "attack-pattern", "id": "attack-pattern--b", "name": "Old Phishing",
         "revoked": True,
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1192"}]},
        {"type": "attack-pattern", "id": "attack-pattern--c", "name": "Gone",
         "x_mitre_deprecated": True,
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1001"}]},
        {"type": "relationship", "id": "relationship--1", "relationship_type": "revoked-by",
         "source_ref": "attack-pattern--b", "target_ref": "attack-pattern--a"},
    ],
}  # fmt: skip
ATLAS_YAML = """\
id: ATLAS
version: 9.9.0
matrices:
- id: ATLAS
  tactics:
  - {id: AML.TA0005, name: Execution}
  techniques:
  - {id: AML.T0051, name: LLM Prompt Injection, tactics: [AML.TA0005]}
  - {id: AML.T0051.000, name: Direct, subtechnique-of: AML.T0051}
"""


def test_table_keeps_names_tactics_flags_replacements_and_versions() -> None:
    table = build_table(ATTACK_BUNDLE, yaml.safe_load(ATLAS_YAML))
    assert table["attack_version"] == "99.1"
    assert table["atlas_version"] == "9.9.0"
    assert table["techniques"] == {
        "AML.T0051": {"name": "LLM Prompt Injection", "tactics": ["Execution"]},
        "AML.T0051.000": {"name": "Direct", "tactics": []},
        "T1001": {"name": "Gone", "tactics": [], "status": "deprecated"},
        "T1192": {"name": "Old Phishing", "tactics": [], "status": "revoked",
                  "replaced_by": "T1566"},
        "T1566": {"name": "Phishing", "tactics": ["Initial Access"]},
    }  # fmt: skip


def test_update_command_writes_the_table(tmp_path: Path) -> None:
    attack = tmp_path / "enterprise-attack.json"
    attack.write_text(json.dumps(ATTACK_BUNDLE), "utf-8")
    atlas = tmp_path / "ATLAS.yaml"
    atlas.write_text(ATLAS_YAML, "utf-8")
    out = tmp_path / "techniques.json"
    result = CliRunner().invoke(
        main,
        ["techniques", "update", "--attack", str(attack), "--atlas", str(atlas), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 5 techniques (ATT&CK 99.1, ATLAS 9.9.0)" in result.output
    written = json.loads(out.read_text("utf-8"))
    assert written["techniques"]["T1192"]["replaced_by"] == "T1566"


def test_update_command_refuses_files_that_are_not_mitre_data(tmp_path: Path) -> None:
    attack = tmp_path / "enterprise-attack.json"
    attack.write_text('{"not": "a bundle"}', "utf-8")
    atlas = tmp_path / "ATLAS.yaml"
    atlas.write_text(ATLAS_YAML, "utf-8")
    out = tmp_path / "techniques.json"
    result = CliRunner().invoke(
        main,
        ["techniques", "update", "--attack", str(attack), "--atlas", str(atlas), "--out", str(out)],
    )
    assert result.exit_code == 1
    assert "the ATT&CK file is not a STIX bundle" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
