"""Section forms by role and by person: the marking in a form, and whose earlier form
answers a form is prefilled with and replaces."""

from __future__ import annotations

import pytest

from conversations import actions
from conversations.effects import FormRejected, OpenForm
from conversations.merge import merge_report
from conversations.state import Actor
from tests.conversations.harness import BOB, CAROL, ROLES, Harness, with_approver


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_lead_or_an_approver_sets_the_marking_in_a_form(role: str) -> None:
    h = with_approver()
    before = h.state
    result = h.form(ROLES[role], "handling", {"handling.tlp": "red", "handling.org": "Example"})
    assert h.state is not None
    if role == "responder":
        assert h.state == before
        assert result.audit == ()
        (rejected,) = [e for e in result.effects if isinstance(e, FormRejected)]
        assert rejected.errors == {"handling.tlp": "Only the lead or an approver sets the TLP."}
    else:
        assert merge_report(h.state, h.checklist, h.policy.default_tlp).tlp == "TLP:RED"


def test_a_form_opens_with_this_persons_own_answers_only() -> None:
    h = Harness()
    h.start()
    h.form(BOB, "description", {"description.cves": "CVE-2024-3094"})
    h.form(CAROL, "description", {"description.cves": "CVE-2023-1234"})
    assert h.state is not None
    # Bob under another display name is still Bob.
    renamed = Actor(id=BOB.id, name="Robert")
    opened = h.press(renamed, actions.OPEN_FORM, f"{h.state.id}:description")
    (form,) = [e for e in opened.effects if isinstance(e, OpenForm)]
    assert [f.initial for f in form.form.fields] == ["", "CVE-2024-3094", ""]
    # Submitting again replaces Bob's form answer, not Carol's.
    h.form(renamed, "description", {"description.cves": "CVE-2022-0001"})
    assert h.active_values("description.cves") == [["CVE-2023-1234"], ["CVE-2022-0001"]]
