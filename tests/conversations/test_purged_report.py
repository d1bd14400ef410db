"""A report whose answers retention deleted takes nothing new: an answer taken now would be
mailed as a "follow-up" to a report JCDC received long ago, under a name whose answers are gone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conversations.harness import ALICE, BOB, T0, Harness, notices

PURGED = "The answers of this report were deleted on 2027-12-01 under the retention policy"


def _purged() -> Harness:
    h = Harness()
    h.start()
    h.say(BOB, "0.2: Example Corp")
    assert h.state is not None
    h.state = h.state.model_copy(
        update={"contributions": (), "purged_at": T0 + timedelta(days=376)}
    )
    return h


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(lambda h: h.say(BOB, "1.1: prompt injection"), id="direct answer"),
        pytest.param(lambda h: h.say(BOB, "Example Corp"), id="guided reply"),
        pytest.param(lambda h: h.command(ALICE, "send"), id="send"),
        pytest.param(lambda h: h.command(ALICE, "reopen"), id="reopen"),
        pytest.param(lambda h: h.command(ALICE, "tlp red"), id="tlp"),
        pytest.param(lambda h: h.form(BOB, "handling", {"handling.org": "X"}), id="form"),
        pytest.param(lambda h: h.press(ALICE, "send"), id="button"),
    ],
)
def test_a_purged_report_refuses_input_and_stays_as_it_was(act: object) -> None:
    h = _purged()
    before = h.state
    result = act(h)  # type: ignore[operator]
    assert h.state == before
    assert not result.audit
    said = notices(result)
    assert len(said) == 1, said
    assert said[0].startswith(PURGED)
    assert "Nothing was recorded" in said[0]


def test_a_purged_report_still_answers_status_and_lets_side_remarks_be() -> None:
    h = _purged()
    status = h.command(BOB, "status")
    assert notices(status)
    assert not notices(status)[0].startswith(PURGED)
    remark = h.say(BOB, "// the old one, from last year")
    assert notices(remark) == []
    assert remark.audit == ()
