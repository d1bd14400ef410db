"""The answers arranged as CISA's incident reporting form asks for them, so the lead can paste
them into the web form (CISA recommends the form *and* an e-mail to JCDC), and CISA's key
elements, which the e-mail leads with.

Each field names the checklist items it comes from, and says "not answered" where it is
empty. Pure: a function of the assembled report.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.key_elements import KEY_ELEMENTS, KeyElement, missing_key_elements
from documents.assembly import AssembledItem, AssembledReport

NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class CisaField:
    label: str
    item_ids: tuple[str, ...]


# CISA's incident reporting form, section by section, in the form's order.
CISA_FORM: tuple[tuple[str, tuple[CisaField, ...]], ...] = (
    (
        "Reporter and organisation",
        (
            CisaField("Organisation", ("handling.organisation",)),
            CisaField("May CISA name the organisation", ("handling.attribution",)),
            CisaField("Handling (TLP)", ("handling.tlp",)),
        ),
    ),
    ("Contact", (CisaField("Point of contact", ("handling.contact",)),)),
    ("Dates and times", (CisaField("When observed or active", ("detection.timestamps",)),)),
    (
        "Incident description",
        (
            CisaField("What happened", ("handling.summary",)),
            CisaField("Type of activity", ("description.event_type", "attribution.attack_type")),
            CisaField("Confidence", ("description.confidence",)),
            CisaField("Initial access vector", ("detection.initial_access",)),
            CisaField("How it was detected", ("detection.method",)),
            CisaField("Vulnerability and CVEs", ("description.vulnerability", "description.cves")),
        ),
    ),
    (
        "Impact",
        (
            CisaField("Number of affected users", ("victims.user_count",)),
            CisaField(
                "Affected systems and products", ("victims.impacted_products", "artifacts.model")
            ),
            CisaField("Information lost or exploited", ("victims.information_lost",)),
            CisaField("Severity", ("victims.harm_severity",)),
            CisaField("Category of harm", ("victims.harm_category",)),
            CisaField("Impact on business operations", ("impacts.business_operations",)),
            CisaField("Location of affected users", ("victims.geography",)),
        ),
    ),
    (
        "Sector",
        (
            CisaField("Critical infrastructure sector", ("impacts.critical_infrastructure",)),
            CisaField("Victims targeted", ("victims.targets",)),
        ),
    ),
    ("Who else has been informed", (CisaField("Others informed", ("handling.informed",)),)),
    (
        "Technical details",
        (
            CisaField("Indicators", ("detection.iocs", "detection.network_indicators")),
            CisaField("Techniques (ATT&CK, ATLAS)", ("attribution.techniques",)),
        ),
    ),
    (
        "Mitigation",
        (
            CisaField("Status", ("mitigations.status",)),
            CisaField("Remediation", ("mitigations.remediation",)),
        ),
    ),
)


def _answered(report: AssembledReport, item_id: str) -> AssembledItem | None:
    item = report.item(item_id)
    return item if item is not None and item.display is not None else None


def _value(report: AssembledReport, item_ids: tuple[str, ...]) -> tuple[str, str]:
    """The answers of these items (or "not answered") and where they come from."""
    numbers = [item.number for i in item_ids if (item := report.item(i)) is not None]
    answers = [f"{a.display}" for i in item_ids if (a := _answered(report, i)) is not None]
    source = f"[checklist {', '.join(numbers)}]" if numbers else "[not in this checklist]"
    return ("; ".join(answers) if answers else NOT_ANSWERED), source


def missing_elements(report: AssembledReport) -> list[KeyElement]:
    return missing_key_elements(lambda item_id: _answered(report, item_id) is not None)


def key_elements_lines(report: AssembledReport) -> list[str]:
    """CISA's key elements with their answers, then which are missing."""
    missing = missing_elements(report)
    answered = len(KEY_ELEMENTS) - len(missing)
    lines = [f"CISA key elements: {answered} of {len(KEY_ELEMENTS)} answered."]
    for element in KEY_ELEMENTS:
        value, source = _value(report, element.item_ids)
        lines.append(f"- {element.label}: {value} {source}")
    if missing:
        lines.append("Missing: " + ", ".join(e.label for e in missing) + ".")
    return lines


def render_cisa(report: AssembledReport) -> str:
    lines = [
        report.tlp,
        "",
        f"{report.title}",
        "Answers arranged as CISA's incident reporting form asks for them "
        f"(report {report.report_id}, version {report.version}, as of "
        f"{report.as_of.isoformat()}).",
        "",
        *key_elements_lines(report),
    ]
    for heading, fields in CISA_FORM:
        lines += ["", heading, "-" * len(heading)]
        for form_field in fields:
            value, source = _value(report, form_field.item_ids)
            lines.append(f"{form_field.label}: {value} {source}")
    lines += ["", report.tlp, ""]
    return "\n".join(lines)
