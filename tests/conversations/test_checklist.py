"""The packaged checklist covers the tear sheet item by item; bad checklist files fail loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations.answers import Accepted, parse_answer
from conversations.checklist import (
    KINDS_WITH_OPTIONS,
    AnswerKind,
    Checklist,
    ChecklistError,
    load_checklist,
)


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist()


SECTIONS = [
    (0, "handling", "Handling"),
    (1, "description", "Description of the incident or vulnerability"),
    (2, "detection", "How the incident or vulnerability was first detected"),
    (3, "vulnerabilities", "System and network vulnerabilities"),
    (4, "artifacts", "Affected AI artifacts and systems"),
    (5, "victims", "Affected users or victims"),
    (6, "impacts", "Broader impacts of the attack"),
    (7, "mitigations", "Mitigations"),
    (8, "attribution", "Attribution and malicious actor profile"),
    (9, "technical", "Technical data and analysis"),
]

# Every bullet of the tear sheet (paraphrased), in the tear sheet's order -> the items that ask
# it. A dropped or renamed item fails here. Three bullets ask two things and have two items.
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
# Bullets per tear-sheet section (section 3 counts its "Note" on non-public proofs of concept).
BULLETS_PER_SECTION = {1: 5, 2: 8, 3: 4, 4: 7, 5: 7, 6: 7, 7: 3, 8: 11, 9: 8}
# Items per section as written: 1.2, 5.4 and 8.7 of the tear sheet are split into two items.
ITEMS_PER_SECTION = {0: 6, 1: 6, 2: 8, 3: 4, 4: 7, 5: 8, 6: 7, 7: 3, 8: 12, 9: 8}

# The kinds the brief pins down: a change of kind changes how answers parse and merge.
KINDS = {
    "handling.tlp": AnswerKind.TLP,
    "handling.attribution": AnswerKind.CHOICE,
    "handling.organisation": AnswerKind.TEXT,
    "handling.contact": AnswerKind.TEXT,
    "description.event_type": AnswerKind.CHOICE,
    "description.vulnerability": AnswerKind.YES_NO,
    "description.cves": AnswerKind.CVES,
    "description.directness": AnswerKind.CHOICE,
    "description.privileged_source": AnswerKind.YES_NO,
    "description.confidence": AnswerKind.CONFIDENCE,
    "detection.iocs": AnswerKind.IOCS,
    "detection.network_indicators": AnswerKind.IOCS,
    "detection.timestamps": AnswerKind.DATETIME,
    "vulnerabilities.private_poc": AnswerKind.YES_NO,
    "victims.harm_category": AnswerKind.MULTI_CHOICE,
    "victims.harm_severity": AnswerKind.SEVERITY,
    "victims.user_count": AnswerKind.NUMBER,
    "mitigations.status": AnswerKind.CHOICE,
    "mitigations.category": AnswerKind.MULTI_CHOICE,
    "attribution.confidence": AnswerKind.CONFIDENCE,
    "attribution.techniques": AnswerKind.TECHNIQUES,
    "technical.novelty": AnswerKind.CHOICE,
}


def test_packaged_checklist_has_version_title_and_source(checklist: Checklist) -> None:
    assert checklist.version == "2026.12.0"
    assert checklist.title
    assert "tear sheet" in checklist.source


def test_sections_follow_the_tear_sheet_after_handling(checklist: Checklist) -> None:
    assert [(s.number, s.id, s.title) for s in checklist.sections] == SECTIONS
    for section in checklist.sections:
        assert section.intro.strip(), section.id


def test_item_counts_per_section(checklist: Checklist) -> None:
    counts = {s.number: len(s.items) for s in checklist.sections}
    assert counts == ITEMS_PER_SECTION
    for number, bullets in BULLETS_PER_SECTION.items():
        assert counts[number] >= bullets, number
    assert checklist.item_count == sum(ITEMS_PER_SECTION.values()) == 69


@pytest.mark.parametrize("section", sorted(TEAR_SHEET))
def test_every_tear_sheet_bullet_has_its_item(checklist: Checklist, section: int) -> None:
    bullets = TEAR_SHEET[section]
    assert len(bullets) == BULLETS_PER_SECTION[section]
    covered = [item_id for ids in bullets.values() for item_id in ids]
    for item_id in covered:
        assert checklist.find_item(item_id) is not None, item_id
        assert checklist.section_of(checklist.item(item_id)).number == section, item_id
    # In the tear sheet's order, and every item of the section answers some bullet.
    assert covered == [i.id for i in checklist.sections[section].items]


def test_handling_section_asks_tlp_attribution_organisation_contact_summary_informed(
    checklist: Checklist,
) -> None:
    assert [i.id for i in checklist.sections[0].items] == [
        "handling.tlp",
        "handling.attribution",
        "handling.organisation",
        "handling.contact",
        "handling.summary",
        "handling.informed",
    ]


def test_ids_and_numbers_are_unique_and_stable_looking(checklist: Checklist) -> None:
    items = list(checklist.items())
    assert len({i.id for i in items}) == len(items)
    assert len({i.number for i in items}) == len(items)
    for section in checklist.sections:
        assert re.fullmatch(r"[a-z][a-z_]*", section.id), section.id
        for position, item in enumerate(section.items, start=1):
            assert re.fullmatch(rf"{section.id}\.[a-z][a-z0-9_]*", item.id), item.id
            assert item.number == f"{section.number}.{position}", item.id
            assert len(item.id) <= 40, item.id


@pytest.mark.parametrize(("item_id", "kind"), sorted(KINDS.items()))
def test_kinds(checklist: Checklist, item_id: str, kind: AnswerKind) -> None:
    assert checklist.item(item_id).kind is kind


def test_choice_items_have_options_and_others_none(checklist: Checklist) -> None:
    for item in checklist.items():
        if item.kind in KINDS_WITH_OPTIONS:
            assert len(item.options) >= 2, item.id
            assert len({o.id for o in item.options}) == len(item.options), item.id
        else:
            assert item.options == (), item.id


def test_items_are_complete_and_their_examples_parse(checklist: Checklist) -> None:
    for item in checklist.items():
        assert item.question.endswith("?"), item.id
        assert item.help.strip(), item.id
        assert item.example, item.id
        assert isinstance(parse_answer(item, item.example), Accepted), item.id


def test_timestamps_accumulate(checklist: Checklist) -> None:
    timestamps = checklist.item("detection.timestamps")
    assert timestamps.multiple is True
    assert timestamps.accumulates


def test_sensitive_items_carry_a_caution(checklist: Checklist) -> None:
    private_poc = checklist.item("vulnerabilities.private_poc").caution
    assert private_poc is not None
    assert "Report a Vulnerability" in private_poc
    assert "Coordinated Vulnerability Disclosure" in private_poc
    for item_id in ("detection.samples", "technical.adversarial_prompt"):
        assert checklist.item(item_id).caution, item_id


def test_lookups(checklist: Checklist) -> None:
    item = checklist.find_item("4.2")
    assert item is not None
    assert item.id == "artifacts.developer"
    assert checklist.find_item("artifacts.developer") == item
    assert checklist.find_item(" ARTIFACTS.DEVELOPER ") == item
    assert checklist.find_item("8.12") == checklist.item("attribution.actor_known")
    assert checklist.find_item("4.99") is None
    assert checklist.find_item("artifacts.nope") is None
    section = checklist.find_section("7")
    assert section is not None
    assert section.id == "mitigations"
    assert checklist.find_section("mitigations") == section
    assert checklist.find_section("Mitigations") == section
    assert (
        checklist.find_section("Attribution and malicious actor profile") == (checklist.sections[8])
    )
    assert checklist.find_section("nope") is None
    assert checklist.section_of(item).number == 4


def write(tmp_path: Path, items: str) -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        "version: '1'\ntitle: t\nsource: s\nsections:\n"
        f"  - id: a\n    number: 1\n    title: A\n    intro: i\n    items:\n{items}"
    )
    return path


GOOD_ITEM = "      - {id: a.x, number: '1.1', question: q, help: h, kind: text}\n"


@pytest.mark.parametrize(
    ("items", "named", "problem"),
    [
        pytest.param(
            "      - {id: a.x, number: '1.1', question: q, help: h, kind: banana}\n",
            "item 'a.x' > kind",
            "Input should be 'text'",
            id="unknown-kind",
        ),
        pytest.param(
            GOOD_ITEM + "      - {id: a.x, number: '1.2', question: q, help: h, kind: text}\n",
            "item id 'a.x'",
            "used twice",
            id="duplicate-id",
        ),
        pytest.param(
            GOOD_ITEM + "      - {id: a.y, number: '1.3', question: q, help: h, kind: text}\n",
            "item 'a.y'",
            "numbered '1.3' but stands at 1.2",
            id="wrong-number",
        ),
        pytest.param(
            "      - {id: a.y, number: 'one', question: q, help: h, kind: text}\n",
            "item 'a.y'",
            "must look like '2.3'",
            id="malformed-number",
        ),
        pytest.param(
            "      - {id: a.z, number: '1.1', question: q, help: h, kind: choice}\n",
            "item 'a.z'",
            "kind 'choice' needs options",
            id="choice-without-options",
        ),
        pytest.param(
            "      - {id: a.z, number: '1.1', question: q, help: h, kind: multi_choice,"
            " options: []}\n",
            "item 'a.z'",
            "kind 'multi_choice' needs options",
            id="multi-choice-with-empty-options",
        ),
        pytest.param(
            "      - {id: a.t, number: '1.1', question: q, help: h, kind: text,"
            " options: [{id: o, label: O}]}\n",
            "item 'a.t'",
            "takes no options",
            id="options-on-text",
        ),
        pytest.param(
            "      - {id: a.o, number: '1.1', question: q, help: h, kind: choice,"
            " options: [{id: Bad, label: B}]}\n",
            "item 'a.o' > option 'Bad' > id",
            "should match pattern",
            id="bad-option-id",
        ),
        pytest.param(
            "      - {id: a.w, number: '1.1', help: h, kind: text}\n",
            "item 'a.w' > question",
            "Field required",
            id="missing-question",
        ),
        pytest.param(
            "      - {id: a.w, number: '1.1', question: '', help: h, kind: text}\n",
            "item 'a.w' > question",
            "at least 1 character",
            id="empty-question",
        ),
        pytest.param(
            "      - {id: a.e, number: '1.1', question: q, help: h, kind: text, colour: red}\n",
            "item 'a.e' > colour",
            "Extra inputs are not permitted",
            id="unknown-field",
        ),
        pytest.param(
            "      - {id: b.v, number: '1.1', question: q, help: h, kind: text}\n",
            "item 'b.v'",
            "starting with 'a.'",
            id="id-outside-its-section",
        ),
        pytest.param(
            "      - {id: A.V, number: '1.1', question: q, help: h, kind: text}\n",
            "'A.V'",
            "lower snake case",
            id="id-not-snake-case",
        ),
        pytest.param(
            "      - {number: '1.1', question: q, help: h, kind: text}\n",
            "item numbered '1.1' > id",
            "Field required",
            id="missing-id-named-by-number",
        ),
    ],
)
def test_bad_files_fail_naming_the_item(
    tmp_path: Path, items: str, named: str, problem: str
) -> None:
    path = write(tmp_path, items)
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    message = str(raised.value)
    assert str(path) in message
    assert named in message
    assert problem in message


def test_invalid_yaml_fails_naming_the_line_and_item(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_ITEM + "      - {id: a.y, number: '1.2', question: q: r}\n")
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    message = str(raised.value)
    assert "not valid YAML" in message
    assert "line 11" in message
    assert "a.y" in message  # PyYAML quotes the offending line


def test_invalid_block_yaml_names_the_offending_line(tmp_path: Path) -> None:
    # In block style the id sits on another line than the error; the line is still quoted.
    path = write(
        tmp_path,
        "      - id: a.y\n        number: '1.1'\n        question: [unclosed\n        help: h\n",
    )
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    message = str(raised.value)
    assert "not valid YAML" in message
    assert "line 12" in message
    assert "question: [unclosed" in message


def test_a_file_that_is_not_a_mapping_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ChecklistError, match="is not a valid checklist"):
        load_checklist(path)
