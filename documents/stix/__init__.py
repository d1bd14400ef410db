"""STIX 2.1 export of a report: TLP 2.0 markings, the incident, indicators, vulnerabilities,
techniques and who said what, as one bundle."""

from documents.stix.bundle import build_bundle, render_stix

__all__ = ["build_bundle", "render_stix"]
