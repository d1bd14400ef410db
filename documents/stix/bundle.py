"""The STIX 2.1 bundle of one assembled report, built with the `stix2` library.

What goes in: the TLP 2.0 marking of the report (and the extension that defines it); the
reporting organisation as an `identity` unless the reporter asked to stay anonymous; one
`incident` with the OASIS Incident Core extension; an `indicator` per IP, domain, URL, e-mail
address and hash; a `vulnerability` per CVE; an `attack-pattern` per ATT&CK or ATLAS
technique, by name; relationships between them and to the incident; a `note` per contributor
saying who said what; and a `report` that refers to all of it.

Pure: the report carries every time the bundle needs, so the same version of a report
always exports the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import stix2
from pydantic import JsonValue

from conversations.answers.techniques import technique_table
from documents.assembly import AssembledItem, AssembledReport
from documents.stix.ids import stix_id
from documents.stix.marking import tlp_extension_definition, tlp_marking
from documents.stix.patterns import pattern_for

INCIDENT_CORE_ID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

# objects/extension-definition/extension-definition--ef765651-....json, field for field.
_INCIDENT_CORE_DEFINITION: dict[str, Any] = {
    "type": "extension-definition",
    "spec_version": "2.1",
    "id": INCIDENT_CORE_ID,
    "created_by_ref": "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a",
    "created": "2020-10-19T20:51:00.000Z",
    "modified": "2022-10-27T15:09:00.000Z",
    "name": "Incident Core Extension",
    "description": (
        "A core extension of the Incident object to allow core details of the Incident to be "
        "shared while tracking major details tied to the incident's timeline.  Multiple "
        "Incidents can be tied together via relationships if a higher degree of fidelity is "
        "needed across phases."
    ),
    "schema": (
        "https://github.com/oasis-open/cti-stix-common-objects/tree/main/"
        "extension-definition-specifications/incident-core"
    ),
    "version": "1.1.0",
    "extension_types": ["property-extension"],
}

# Checklist answers → Incident Core's closed `determination` vocabulary.
_DETERMINATION = {
    "incident": "successful-attempt",
    "attempted_attack": "failed-attempt",
    "scanning": "suspected",
    "suspicious": "suspected",
}
# The tear sheet's severity of harm → Incident Core's 0-100 `criticality`.
_CRITICALITY = {"negligible": 10, "minor": 35, "moderate": 60, "severe": 90}
# The mitigation status answer → `investigation_status` (an open string).
_INVESTIGATION = {
    "not_started": "open",
    "in_progress": "open",
    "mitigated": "contained",
    "remediated": "closed",
}
# The confidence scale → STIX confidence (0-100, the spec's "Low/Med/High" scale).
_CONFIDENCE = {"unverified": 15, "speculative": 50, "confirmed": 85}
# Left out of an anonymous report's bundle (free text elsewhere is the reporter's to word).
_IDENTIFYING_ITEMS = frozenset({"handling.organisation", "handling.contact"})
_META_PREFIXES = ("marking-definition--", "extension-definition--")
_INDICATOR_ITEMS = ("detection.iocs", "detection.network_indicators")


@dataclass
class _Parts:
    report: AssembledReport
    anonymous: bool
    marking: str
    creator: str | None = None
    objects: list[Any] = field(default_factory=list)

    def common(self, created: datetime, modified: datetime | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "created": _stamp(created),
            "modified": _stamp(modified or created),
            "object_marking_refs": [self.marking],
        }
        if self.creator is not None:
            fields["created_by_ref"] = self.creator
        return fields

    def new_id(self, object_type: str, *key: str) -> str:
        return stix_id(object_type, self.report.report_id, *key)


def _stamp(moment: datetime) -> datetime:
    # STIX timestamps are UTC; milliseconds keep the bytes stable whatever the input precision.
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def is_anonymous(report: AssembledReport) -> bool:
    item = report.item("handling.attribution")
    return item is not None and item.value == "anonymise"


def build_bundle(report: AssembledReport) -> stix2.Bundle:
    marking = tlp_marking(report.tlp)
    parts = _Parts(report=report, anonymous=is_anonymous(report), marking=marking.id)
    parts.objects += [tlp_extension_definition(), marking, _incident_core_definition()]
    identity = _identity(parts)
    if identity is not None:
        parts.creator = identity.id
        parts.objects.append(identity)
    incident = _incident(parts)
    parts.objects.append(incident)
    techniques = list(_attack_patterns(parts))
    vulnerabilities = list(_vulnerabilities(parts))
    indicators = list(_indicators(parts))
    parts.objects += techniques + vulnerabilities + indicators
    parts.objects += list(_relationships(parts, incident, indicators, techniques, vulnerabilities))
    parts.objects += list(_notes(parts, incident))
    parts.objects.append(_report_object(parts))
    return stix2.Bundle(
        # One bundle per state of the report: its version and the time of its last change.
        id=stix_id("bundle", report.report_id, str(report.version), report.as_of.isoformat()),
        objects=parts.objects,
    )


def render_stix(report: AssembledReport) -> str:
    # Indented in the order the objects were built, which is deterministic. (stix2's
    # `pretty=True` re-sorts every property by a quadratic search: 30 times slower.)
    return str(build_bundle(report).serialize(indent=4, ensure_ascii=False)) + "\n"


@cache
def _incident_core_definition() -> stix2.ExtensionDefinition:
    return stix2.ExtensionDefinition(**_INCIDENT_CORE_DEFINITION)


def _answered(report: AssembledReport, item_id: str) -> AssembledItem | None:
    item = report.item(item_id)
    return item if item is not None and item.value is not None else None


def _text(report: AssembledReport, item_id: str) -> str | None:
    item = _answered(report, item_id)
    return item.display if item is not None else None


def _identity(parts: _Parts) -> stix2.Identity | None:
    organisation = _text(parts.report, "handling.organisation")
    if parts.anonymous or organisation is None:
        return None
    contact = _text(parts.report, "handling.contact")
    fields: dict[str, Any] = {
        "id": parts.new_id("identity", "organisation"),
        "name": organisation,
        "identity_class": "organization",
        "created": _stamp(parts.report.created_at),
        "modified": _stamp(parts.report.as_of),
        "object_marking_refs": [parts.marking],
    }
    if contact is not None:
        fields["contact_information"] = contact
    return stix2.Identity(**fields)


def _incident(parts: _Parts) -> stix2.Incident:
    report = parts.report
    core: dict[str, Any] = {
        "extension_type": "property-extension",
        "determination": _DETERMINATION.get(
            str(_value(report, "description.event_type")), "suspected"
        ),
        "investigation_status": _INVESTIGATION.get(
            str(_value(report, "mitigations.status")), "open"
        ),
    }
    kinds = _value(report, "attribution.attack_type")
    if isinstance(kinds, list) and kinds:
        core["incident_types"] = [str(k).replace("_", "-") for k in kinds]
    detection = _text(report, "detection.method")
    if detection is not None:
        core["detection_methods"] = [detection]
    severity = _value(report, "victims.harm_severity")
    if isinstance(severity, str) and severity in _CRITICALITY:
        core["criticality"] = _CRITICALITY[severity]
    users = _estimate(_value(report, "victims.user_count"))
    if users is not None:
        core["impacted_entity_counts"] = {"individuals": users}
    fields = parts.common(report.created_at, report.as_of)
    description = _text(report, "handling.summary")
    if description is not None:
        fields["description"] = description
    confidence = _value(report, "description.confidence")
    if isinstance(confidence, str) and confidence in _CONFIDENCE:
        fields["confidence"] = _CONFIDENCE[confidence]
    return stix2.Incident(
        id=parts.new_id("incident", "incident"),
        name=report.title,
        extensions={INCIDENT_CORE_ID: core},
        **fields,
    )


def _estimate(value: JsonValue | None) -> int | None:
    """A number answer ({low, high, approximate}) as one count: Incident Core's counts are
    estimates anyway, so the upper bound when there is one, else the lower bound."""
    if not isinstance(value, dict):
        return None
    bound = value.get("high") if value.get("high") is not None else value.get("low")
    if isinstance(bound, int | float) and not isinstance(bound, bool) and bound >= 0:
        return int(bound)
    return None


def _value(report: AssembledReport, item_id: str) -> JsonValue | None:
    item = report.item(item_id)
    return item.value if item is not None else None


def _first_seen(item: AssembledItem, element: JsonValue) -> tuple[datetime, datetime]:
    """When the earliest and the latest contribution holding this element were made."""
    times = [
        moment
        for entry in item.entries
        if isinstance(entry.value, list) and element in entry.value
        for moment in (entry.at, entry.edited_at or entry.at)
    ]
    return (min(times), max(times)) if times else (item_at(item), item_at(item))


def item_at(item: AssembledItem) -> datetime:
    return min(entry.at for entry in item.entries)


def _indicators(parts: _Parts) -> Iterable[stix2.Indicator]:
    seen: set[str] = set()
    for item_id in _INDICATOR_ITEMS:
        item = _answered(parts.report, item_id)
        if item is None or not isinstance(item.value, list):
            continue
        for element in item.value:
            if not isinstance(element, dict):
                continue
            kind, value = str(element.get("type")), str(element.get("value"))
            pattern = pattern_for(kind, value)
            if pattern is None or pattern in seen:
                continue
            seen.add(pattern)
            created, modified = _first_seen(item, element)
            yield stix2.Indicator(
                id=parts.new_id("indicator", pattern),
                name=f"{kind} indicator ({item.number})",
                description=f"Reported in answer to {item.number}: {item.question}",
                pattern=pattern,
                pattern_type="stix",
                valid_from=_stamp(created),
                indicator_types=["malicious-activity"],
                **parts.common(created, modified),
            )


def _vulnerabilities(parts: _Parts) -> Iterable[stix2.Vulnerability]:
    item = _answered(parts.report, "description.cves")
    if item is None or not isinstance(item.value, list):
        return
    for cve in item.value:
        created, modified = _first_seen(item, cve)
        yield stix2.Vulnerability(
            id=parts.new_id("vulnerability", str(cve)),
            name=str(cve),
            external_references=[{"source_name": "cve", "external_id": str(cve)}],
            **parts.common(created, modified),
        )


def _attack_patterns(parts: _Parts) -> Iterable[stix2.AttackPattern]:
    item = _answered(parts.report, "attribution.techniques")
    if item is None or not isinstance(item.value, list):
        return
    table = technique_table()
    for element in item.value:
        if not isinstance(element, dict):
            continue
        technique_id = str(element.get("id"))
        known = table.get(technique_id)
        atlas = technique_id.startswith("AML.")
        source = "mitre-atlas" if atlas else "mitre-attack"
        reference: dict[str, str] = {"source_name": source, "external_id": technique_id}
        fields: dict[str, Any] = {}
        if known is not None:
            # The page goes in the description, not the reference: the OASIS validator warns
            # on a reference URL without a hash of the page (best practice 302), and a hash of
            # a living web page would be wrong by the next edit. Consumers match techniques
            # on source_name and external_id.
            tactics = ", ".join(known.tactics) or "none listed"
            fields["description"] = f"{known.label} ({known.url}); tactics: {tactics}."
            if known.tactics:
                fields["kill_chain_phases"] = [
                    {"kill_chain_name": source, "phase_name": _phase(tactic)}
                    for tactic in known.tactics
                ]
        created, modified = _first_seen(item, element)
        yield stix2.AttackPattern(
            id=parts.new_id("attack-pattern", technique_id),
            name=known.name if known is not None else technique_id,
            external_references=[reference],
            **fields,
            **parts.common(created, modified),
        )


def _phase(tactic: str) -> str:
    return "-".join(tactic.lower().replace("&", "and").split())


def _relationships(
    parts: _Parts,
    incident: stix2.Incident,
    indicators: list[stix2.Indicator],
    techniques: list[stix2.AttackPattern],
    vulnerabilities: list[stix2.Vulnerability],
) -> Iterable[stix2.Relationship]:
    def relate(source: Any, kind: str, target: Any) -> stix2.Relationship:
        created = max(source.created, target.created)
        modified = max(source.modified, target.modified)
        return stix2.Relationship(
            id=parts.new_id("relationship", source.id, kind, target.id),
            relationship_type=kind,
            source_ref=source.id,
            target_ref=target.id,
            **parts.common(created, modified),
        )

    # STIX 2.1 suggests no relationship type with an incident at either end (the validator
    # warns on indicates/uses/targets there, best practice 202), so everything the report
    # names is related-to its incident. Nothing links indicators to techniques or techniques
    # to CVEs: the answers do not say which belongs to which, and a cross product would claim
    # what nobody reported.
    for obj in [*indicators, *techniques, *vulnerabilities]:
        yield relate(obj, "related-to", incident)


def _notes(parts: _Parts, incident: stix2.Incident) -> Iterable[stix2.Note]:
    """One note per contributor with everything they said, item by item, with their own
    words kept beside a value and who added a message of theirs: attribution is part of the
    report. Anonymous reports name contributors by number only."""
    report = parts.report
    names = {
        c.actor.id: (f"Contributor {index}" if parts.anonymous else c.actor.name)
        for index, c in enumerate(report.contributors, start=1)
    }
    said: dict[str, list[tuple[datetime, str]]] = {actor_id: [] for actor_id in names}
    for section in report.sections:
        for item in section.items:
            if parts.anonymous and item.id in _IDENTIFYING_ITEMS:
                continue
            for entry in item.entries:
                if entry.author.id not in said:
                    continue
                edited = f", edited {_human(entry.edited_at)}" if entry.edited_at else ""
                if entry.added_by is not None:
                    # Whoever put the author's message into the report; in an anonymous
                    # report by number too, or not at all when they answered nothing.
                    adder = names.get(entry.added_by.id) or (
                        "a teammate" if parts.anonymous else entry.added_by.name
                    )
                    edited += f", added by {adder}"
                line = f"{item.number} {item.question} {entry.display} ({_human(entry.at)}{edited})"
                if entry.note is not None:
                    line += f" — note: {entry.note}"
                said[entry.author.id].append((entry.edited_at or entry.at, line))
    for actor_id, lines in said.items():
        if not lines:
            continue
        moments = [moment for moment, _ in lines]
        yield stix2.Note(
            id=parts.new_id("note", actor_id),
            abstract=f"What {names[actor_id]} contributed ({len(lines)} answers)",
            content="\n".join(line for _, line in lines),
            authors=[names[actor_id]],
            object_refs=[incident.id],
            **parts.common(min(moments), max(moments)),
        )


def _human(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _report_object(parts: _Parts) -> stix2.Report:
    report = parts.report
    # Every object but the marking and extension definitions, which a report cannot refer to.
    refs = [obj.id for obj in parts.objects if not obj.id.startswith(_META_PREFIXES)]
    return stix2.Report(
        id=parts.new_id("report", "report"),
        name=report.title,
        description=(
            f"AI cybersecurity incident report for CISA JCDC, version {report.version}, "
            f"{report.tlp}. {report.completeness.answered} of {report.completeness.total} "
            "checklist items answered."
        ),
        published=_stamp(report.as_of),
        report_types=["threat-report"],
        object_refs=refs,
        **parts.common(report.created_at, report.as_of),
    )
