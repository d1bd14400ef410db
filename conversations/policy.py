"""Deployment rules the engine applies: who may decide, where reports go. Plain data, no I/O."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from conversations.people import PersonKey

JCDC_ADDRESS = "CISA.JCDC@cisa.dhs.gov"
# Incident details are usually for limited disclosure until the lead decides otherwise.
DEFAULT_TLP = "TLP:AMBER"


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True)

    recipient: str = JCDC_ADDRESS
    # People (platform, workspace, user id) who may confirm sends and settle decisions besides
    # the report's lead; a bare user id would match namesakes in other workspaces.
    approvers: frozenset[PersonKey] = frozenset()
    # When False, the lead's Send queues the report at once (teams that want a literal one click).
    confirm_send: bool = True
    # Two-person rule: a second, different lead-or-approver must confirm before sending.
    require_second_approver: bool = False
    default_tlp: str = DEFAULT_TLP
    attachments: tuple[str, ...] = ("report.json", "report.md", "report.stix.json")

    @property
    def confirmations_needed(self) -> int:
        return 2 if self.require_second_approver else 1
