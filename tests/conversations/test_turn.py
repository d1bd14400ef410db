"""Who may decide: the lead and approvers compared as (platform, workspace, user id), and
events from outside the report's workspace change nothing."""

from __future__ import annotations

from collections.abc import Callable

from conversations import actions
from conversations.commands import COMMANDS
from conversations.effects import Ephemeral, SubmitRequested
from conversations.events import CommandIssued
from conversations.people import PersonKey
from conversations.permissions import can_decide, is_me, me
from conversations.policy import Policy
from conversations.state import Actor, ReportState
from conversations.turn import Step, Turn
from tests.conversations.harness import ALICE, BOB, CAROL, T0, Harness, key, notices, posts

SLACK = ("slack", "T0123")
TEAMS = ("teams", "72f988bf-tenant")
# A Teams user whose id happens to equal the Slack lead's.
ALICE_ON_TEAMS = Actor(id=ALICE.id, name="Alice (Teams)")


def turn_for(
    state: ReportState, actor: Actor, origin: tuple[str, str], policy: Policy | None = None
) -> Turn:
    platform, workspace = origin
    event = CommandIssued(
        event_id="E", platform=platform, workspace=workspace, channel="C1", actor=actor, text=""
    )
    return Turn(state, state, event, Harness().checklist, T0, policy or Policy(), COMMANDS)


def slack_report() -> ReportState:
    h = Harness(home=SLACK)
    h.start()
    assert h.state is not None
    assert (h.state.platform, h.state.workspace) == SLACK
    return h.state


def test_the_acting_person_is_keyed_by_where_the_event_came_from() -> None:
    turn = turn_for(slack_report(), ALICE_ON_TEAMS, TEAMS)
    assert me(turn) == PersonKey("teams", "72f988bf-tenant", ALICE.id)


def test_a_namesake_on_another_platform_is_not_the_lead() -> None:
    state = slack_report()
    assert can_decide(turn_for(state, ALICE, SLACK))
    namesake = turn_for(state, ALICE_ON_TEAMS, TEAMS)
    assert not is_me(namesake, state.lead)
    assert not can_decide(namesake)
    # Another Slack workspace is no better than another platform.
    assert not can_decide(turn_for(state, ALICE, ("slack", "T9999")))


def test_an_approver_counts_only_in_their_own_workspace() -> None:
    state = slack_report()
    here = Policy(approvers=frozenset({PersonKey("slack", "T0123", BOB.id)}))
    elsewhere = Policy(approvers=frozenset({PersonKey("slack", "T9999", BOB.id)}))
    assert can_decide(turn_for(state, BOB, SLACK, here))
    assert not can_decide(turn_for(state, BOB, SLACK, elsewhere))
    # Even acting from the approver's own workspace: the report lives in T0123.
    assert not can_decide(turn_for(state, BOB, ("slack", "T9999"), elsewhere))


def test_events_from_outside_the_report_change_nothing() -> None:
    h = Harness(home=SLACK)
    h.start()
    before = h.state
    for result in [
        h.say(ALICE_ON_TEAMS, "1.3: confirmed", origin=TEAMS),
        h.command(ALICE_ON_TEAMS, "status", origin=TEAMS),
        h.form(ALICE_ON_TEAMS, "description", {"description.cves": "CVE-2024-3094"}, TEAMS),
    ]:
        assert h.state == before
        assert result.audit == ()
        (notice,) = result.effects
        assert isinstance(notice, Ephemeral)
        assert notice.user == ALICE_ON_TEAMS
        assert "belongs to another workspace" in notices(result)[0]


def test_a_teams_namesake_of_the_slack_lead_cannot_confirm_cancel_or_resolve() -> None:
    h = Harness(home=SLACK)
    h.start()
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    h.command(ALICE, "send")
    before = h.state
    assert before is not None
    assert before.send_request is not None
    attempts: list[Callable[[], Step]] = [
        lambda: h.press(ALICE_ON_TEAMS, actions.CONFIRM_SEND, origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "confirm", origin=TEAMS),
        lambda: h.press(ALICE_ON_TEAMS, actions.CANCEL_SEND, origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "cancel send", origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "cancel", origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "resolve 1.3 1", origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "tlp red", origin=TEAMS),
        lambda: h.command(ALICE_ON_TEAMS, "lead @carol", mentions=(CAROL,), origin=TEAMS),
    ]
    for attempt in attempts:
        result = attempt()
        assert h.state == before
        assert not any(isinstance(e, SubmitRequested) for e in result.effects)
        assert result.audit == ()
    # The real lead still can.
    assert any(isinstance(e, SubmitRequested) for e in h.press(ALICE, actions.CONFIRM_SEND).effects)


def test_an_approver_configured_for_another_workspace_is_not_an_approver() -> None:
    h = Harness(policy=Policy(approvers=frozenset({key(BOB, workspace="W2")})))
    h.start()
    h.command(CAROL, "send")
    before = h.state
    refused = h.press(BOB, actions.CONFIRM_SEND)
    assert "Only the lead (Alice) or an approver" in notices(refused)[0]
    assert not any(isinstance(e, SubmitRequested) for e in refused.effects)
    assert h.state == before


def test_the_two_person_rule_counts_distinct_keys() -> None:
    alice_elsewhere = PersonKey("test", "W2", ALICE.id)
    h = Harness(
        policy=Policy(
            approvers=frozenset({alice_elsewhere, key(BOB)}), require_second_approver=True
        )
    )
    h.start()
    h.command(ALICE, "send")
    h.press(ALICE, actions.CONFIRM_SEND)
    # The same person under a new display name is still the same key.
    renamed = h.press(Actor(id=ALICE.id, name="Alice Liddell"), actions.CONFIRM_SEND)
    assert "You already confirmed" in notices(renamed)[0]
    # A namesake approver of another workspace is neither the lead nor a second person here.
    other = h.press(
        Actor(id=ALICE.id, name="Alice (W2)"), actions.CONFIRM_SEND, origin=("test", "W2")
    )
    assert not any(isinstance(e, SubmitRequested) for e in renamed.effects + other.effects)
    assert h.state is not None
    assert h.state.send_request is not None
    assert h.state.send_request.confirmed_by == (ALICE,)
    second = h.press(BOB, actions.CONFIRM_SEND)
    (submit,) = [e for e in second.effects if isinstance(e, SubmitRequested)]
    assert submit.confirmed_by == (ALICE, BOB)


def test_a_report_from_before_workspaces_were_recorded_keeps_its_lead() -> None:
    h = Harness(home=("test", ""))
    h.start()
    assert h.state is not None
    assert h.state.workspace == ""
    # Events now carry the workspace; the lead of the old report can still decide...
    requested = h.command(ALICE, "send", origin=("test", "W1"))
    assert "Alice asks to send this report to JCDC" in posts(requested)[0]
    # ...while a namesake on another platform cannot.
    before = h.state
    h.press(ALICE_ON_TEAMS, actions.CONFIRM_SEND, origin=TEAMS)
    assert h.state == before
    result = h.press(ALICE, actions.CONFIRM_SEND, origin=("test", "W1"))
    assert any(isinstance(e, SubmitRequested) for e in result.effects)
