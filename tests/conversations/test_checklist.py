"""The packaged checklist covers the tear sheet item by item; bad checklist files fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.answers import Accepted, parse_answer
from conversations.checklist import (
    KINDS_WITH_OPTIONS,
    Checklist,
    ChecklistError,
    load_checklist,
)


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist()


# Every bullet of the tear sheet (paraphrased) -> the item that asks it. A dropped or renamed
# item fails here.
TEAR_SHEET = {
    1: {
        "incident, attempted attack, scanning or suspicious activity": ["description.event_type"],
        "related to a vulnerability, with its CVE": [
            "description.vulnerability",
            "description.cves",
        ],
        "obtained directly or indirectly": ["description.directness"],
        "privileged or non-public source": ["description.privileged_source"],
        "confidence: confirmed malicious or unconfirmed": ["description.confidence"],
    },
    2: {
        "initial access vector": ["detection.initial_access"],
        "detection method (e.g. STIX indicators)": ["detection.method"],
        "indicators of compromise": ["detection.iocs"],
        "indicators of attack": ["detection.indicators_of_attack"],
        "sample attack information or screenshots": ["detection.samples"],
        "IP addresses, domains and hashes": ["detection.network_indicators"],
        "timestamps active or observed": ["detection.timestamps"],
        "what the IOCs are used for": ["detection.ioc_purpose"],
    },
    3: {
        "known vulnerabilities exploited in the wild": ["vulnerabilities.exploited"],
        "vulnerabilities of critical concern": ["vulnerabilities.critical_concern"],
        "public proofs of concept": ["vulnerabilities.public_poc"],
        "note: non-public PoCs go through CVD": ["vulnerabilities.private_poc"],
    },
    4: {
        "model information and training dataset": ["artifacts.model"],
        "AI model developer": ["artifacts.developer"],
        "agentic, copilot or third-party platforms": ["artifacts.platforms"],
        "APIs and libraries": ["artifacts.apis_libraries"],
        "software/hardware configuration and access": ["artifacts.configuration"],
        "underpinning software": ["artifacts.software"],
        "AI application information": ["artifacts.application"],
    },
    5: {
        "victims targeted (specific or sector)": ["victims.targets"],
        "geographic location": ["victims.geography"],
        "information lost or exploited": ["victims.information_lost"],
        "category and severity of harm": ["victims.harm_category", "victims.harm_severity"],
        "systems or products whose users are impacted": ["victims.impacted_products"],
        "estimated number of impacted users": ["victims.user_count"],
        "external systems the model could access": ["victims.external_access"],
    },
    6: {
        "lateral movement": ["impacts.lateral_movement"],
        "suspected exploitation vector": ["impacts.exploitation_vector"],
        "exfiltration impact": ["impacts.exfiltration"],
        "impact to business operations": ["impacts.business_operations"],
        "supply chain impacts": ["impacts.supply_chain"],
        "critical infrastructure or federal government": ["impacts.critical_infrastructure"],
        "vulnerability impact and access required": ["impacts.access_required"],
    },
    7: {
        "mitigation status": ["mitigations.status"],
        "category of mitigation": ["mitigations.category"],
        "remediation technique": ["mitigations.remediation"],
    },
    8: {
        "attacker identity or similarity to known actor": ["attribution.identity"],
        "level of confidence": ["attribution.confidence"],
        "techniques (ATT&CK, ATLAS)": ["attribution.techniques"],
        "defence controls targeted or evaded": ["attribution.controls_evaded"],
        "patterns or themes": ["attribution.patterns"],
        "control and access obtained": ["attribution.access_obtained"],
        "adversarial AI attack type and procedure": [
            "attribution.attack_type",
            "attribution.attack_procedure",
        ],
        "underlying system component": ["attribution.component"],
        "adversary tooling": ["attribution.tooling"],
        "anti-forensics or clean-up": ["attribution.anti_forensics"],
        "threat actor known or suspected": ["attribution.actor_known"],
    },
    9: {
        "how TTPs or IOCs are used": ["technical.ttp_usage"],
        "adversarial prompt and response": ["technical.adversarial_prompt"],
        "novel or previously observed/reported": ["technical.novelty"],
        "abnormal registry behaviour": ["technical.registry"],
        "code overlap with known malware": ["technical.code_overlap"],
        "overlap with historical C2, APIs or third parties": ["technical.infrastructure_overlap"],
        "file extension modification": ["technical.file_extensions"],
        "campaign artifacts": ["technical.campaign_artifacts"],
    },
}
BULLETS_PER_SECTION = {1: 5, 2: 8, 3: 4, 4: 7, 5: 7, 6: 7, 7: 3, 8: 11, 9: 8}


def test_sections_follow_the_tear_sheet_after_handling(checklist: Checklist) -> None:
    assert [s.number for s in checklist.sections] == list(range(10))
    assert [s.id for s in checklist.sections] == [
        "handling",
        "description",
        "detection",
        "vulnerabilities",
        "artifacts",
        "victims",
        "impacts",
        "mitigations",
        "attribution",
        "technical",
    ]
    assert [len(s.items) for s in checklist.sections] == [4, 6, 8, 4, 7, 8, 7, 3, 12, 8]
    assert checklist.item_count == 67


@pytest.mark.parametrize("section", sorted(TEAR_SHEET))
def test_every_tear_sheet_bullet_has_its_item(checklist: Checklist, section: int) -> None:
    bullets = TEAR_SHEET[section]
    assert len(bullets) == BULLETS_PER_SECTION[section]
    covered = [item_id for ids in bullets.values() for item_id in ids]
    for item_id in covered:
        assert checklist.section_of(checklist.item(item_id)).number == section
    # Every item of the section answers some bullet: nothing unaccounted for either.
    assert sorted(covered) == sorted(i.id for i in checklist.sections[section].items)


def test_handling_section_asks_tlp_attribution_organisation_and_contact(
    checklist: Checklist,
) -> None:
    assert [i.id for i in checklist.sections[0].items] == [
        "handling.tlp",
        "handling.attribution",
        "handling.organisation",
        "handling.contact",
    ]


def test_items_are_complete_and_their_examples_parse(checklist: Checklist) -> None:
    for item in checklist.items():
        assert item.question.endswith("?"), item.id
        assert item.help, item.id
        assert item.example, item.id
        assert isinstance(parse_answer(item, item.example), Accepted), item.id
        if item.kind in KINDS_WITH_OPTIONS:
            assert item.options, item.id


def test_lookups(checklist: Checklist) -> None:
    item = checklist.find_item("4.2")
    assert item is not None
    assert item.id == "artifacts.developer"
    assert checklist.find_item(" ARTIFACTS.DEVELOPER ") == item
    assert checklist.find_item("4.99") is None
    section = checklist.find_section("7")
    assert section is not None
    assert section.id == "mitigations"
    assert checklist.find_section("Mitigations") == section
    assert checklist.find_section("nope") is None
    assert checklist.section_of(item).number == 4


GOOD_ITEM = "{id: a.x, number: '1.1', question: q, help: h, kind: text}"


def write(tmp_path: Path, items: str, extra: str = "") -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        f"version: '1'\ntitle: t\nsource: s\nsections:\n"
        f"  - id: a\n    number: 1\n    title: A\n    intro: i\n    items:\n{items}"
        f"{extra}"
    )
    return path


@pytest.mark.parametrize(
    ("items", "named", "problem"),
    [
        ("      - {id: a.x, number: '1.1', question: q, help: h, kind: banana}\n", "'a.x'", "kind"),
        (
            f"      - {GOOD_ITEM}\n      - {{id: a.x, number: '1.2', question: q, help: h, "
            "kind: text}\n",
            "'a.x'",
            "used twice",
        ),
        (
            "      - {id: a.y, number: '1.3', question: q, help: h, kind: text}\n",
            "'a.y'",
            "stands at 1.1",
        ),
        (
            "      - {id: a.z, number: '1.1', question: q, help: h, kind: choice}\n",
            "'a.z'",
            "needs options",
        ),
        ("      - {id: a.w, number: '1.1', help: h, kind: text}\n", "'a.w'", "question"),
        (
            "      - {id: b.v, number: '1.1', question: q, help: h, kind: text}\n",
            "'b.v'",
            "starting with 'a.'",
        ),
    ],
)
def test_bad_files_fail_naming_the_item(
    tmp_path: Path, items: str, named: str, problem: str
) -> None:
    with pytest.raises(ChecklistError) as raised:
        load_checklist(write(tmp_path, items))
    assert named in str(raised.value)
    assert problem in str(raised.value)


def test_invalid_yaml_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("sections: [unclosed")
    with pytest.raises(ChecklistError, match="not valid YAML"):
        load_checklist(path)
