"""The machine-readable report (attached to the email, exported with `report export`)."""

from documents.assembly import AssembledReport


def render_json(report: AssembledReport) -> str:
    return report.model_dump_json(indent=2) + "\n"
