"""A tiny driver that feeds scripted events to the pure engine and keeps the state between
turns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from conversations.checklist import Checklist, load_checklist
from conversations.effects import EditPost, Effect, Ephemeral, Post, PostRoot, RootCard, UpdateRoot
from conversations.engine import Step, step
from conversations.events import Event
from conversations.people import PersonKey
from conversations.policy import Policy
from conversations.richtext import to_plain
from conversations.scripted import ScriptedEvents
from conversations.state import Actor, ReportState

SMALL_CHECKLIST = Path(__file__).parent / "fixtures" / "small_checklist.yaml"
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
# Where the harness's events come from unless a test says otherwise.
PLATFORM = "test"
WORKSPACE = "W1"
HOME = (PLATFORM, WORKSPACE)
ALICE = Actor(id="U_ALICE", name="Alice")
BOB = Actor(id="U_BOB", name="Bob")
CAROL = Actor(id="U_CAROL", name="Carol")
DANA = Actor(id="U_DANA", name="Dana")
EVE = Actor(id="U_EVE", name="Eve")
BOT = Actor(id="jcdc-bot", name="JCDC")
# Who is who in the role tests: Alice leads, Bob is a configured approver, Carol answers.
ROLES = {"lead": ALICE, "approver": BOB, "responder": CAROL}


def key(actor: Actor, platform: str = PLATFORM, workspace: str = WORKSPACE) -> PersonKey:
    """The full key of a harness person (for approvers)."""
    return PersonKey(platform, workspace, actor.id)


def small_checklist() -> Checklist:
    return load_checklist(SMALL_CHECKLIST)


class Harness:
    def __init__(
        self,
        checklist: Checklist | None = None,
        policy: Policy | None = None,
        home: tuple[str, str] = HOME,
    ) -> None:
        # (platform, workspace) events come from unless a test passes another `origin`.
        self.home = home
        self.checklist = checklist or small_checklist()
        self.policy = policy or Policy()
        self.state: ReportState | None = None
        self.now = T0
        self.events = ScriptedEvents(platform=home[0], workspace=home[1], channel="C1")
        self.last: Step = Step(None)
        # Set to give the next report started through the harness this id.
        self.new_report_id: str | None = None
        self.created: Step = Step(None)

    def feed(self, event: Event) -> Step:
        self.now += timedelta(minutes=1)
        self.last = step(
            self.state, event, self.checklist, self.now, self.policy, self.new_report_id
        )
        self.state = self.last.state
        self.events.thread = self.thread
        self.events.report_id = self.state.id if self.state else None
        return self.last

    @property
    def thread(self) -> str | None:
        return self.state.thread if self.state else None

    def start(
        self, title: str = "Prompt injection in support copilot", lead: Actor = ALICE
    ) -> Step:
        created = self.command(lead, f"new {title}")
        assert self.state is not None, to_plain_all(created.effects)
        # The turn that posted the root (whose card asks the first question).
        self.created = created
        return self.feed(self.events.root_posted(lead, "ROOT"))

    def _started(self) -> ScriptedEvents:
        assert self.state is not None, "start a report first"
        return self.events

    def command(
        self,
        actor: Actor,
        text: str,
        mentions: tuple[Actor, ...] = (),
        trigger: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> Step:
        return self.feed(self.events.command(actor, text, mentions, trigger, origin=origin))

    def say(
        self,
        actor: Actor,
        text: str,
        message_id: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> Step:
        return self.feed(self.events.message(actor, text, message_id, origin))

    def edit(
        self, actor: Actor, message_id: str, text: str, origin: tuple[str, str] | None = None
    ) -> Step:
        return self.feed(self.events.edit(actor, message_id, text, origin))

    def delete(self, actor: Actor, message_id: str, origin: tuple[str, str] | None = None) -> Step:
        return self.feed(self.events.delete(actor, message_id, origin))

    def form(
        self,
        actor: Actor,
        section_id: str,
        values: dict[str, str],
        origin: tuple[str, str] | None = None,
    ) -> Step:
        return self.feed(self._started().form(actor, section_id, values, origin))

    def press(
        self, actor: Actor, action: str, value: str = "", origin: tuple[str, str] | None = None
    ) -> Step:
        return self.feed(self._started().press(actor, action, value, "TRIGGER", origin))

    def outcome(
        self,
        outcome: Literal["sent", "retrying", "failed"],
        message_id: str | None = None,
        detail: str = "",
    ) -> Step:
        """What the outbox worker tells about the report's submission."""
        assert self.state is not None
        submission = f"{self.state.id}:{self.state.version}"
        return self.feed(
            self.events.outcome(BOT, submission, outcome, self.now, message_id, detail)
        )

    def active_values(self, item_id: str) -> list[object]:
        assert self.state is not None
        return [c.value for c in self.state.contributions if c.active and c.item_id == item_id]


def to_plain_all(effects: tuple[Effect, ...]) -> str:
    return "\n".join(
        to_plain(e.text) for e in effects if isinstance(e, Post | EditPost | Ephemeral)
    )


def posts(result: Step) -> list[str]:
    return [to_plain(e.text) for e in result.effects if isinstance(e, Post)]


def edits(result: Step) -> list[str]:
    """The thread messages a turn rewrote in place (a question once answered, ...)."""
    return [to_plain(e.text) for e in result.effects if isinstance(e, EditPost)]


def notices(result: Step) -> list[str]:
    return [to_plain(e.text) for e in result.effects if isinstance(e, Ephemeral)]


def root_cards(result: Step) -> list[RootCard]:
    """The root message as a turn posted or updated it."""
    return [e.card for e in result.effects if isinstance(e, PostRoot | UpdateRoot)]


def root_question(result: Step) -> str | None:
    """The question the turn's (last) root card asks, in plain text; None when it asks none."""
    (*_, card) = root_cards(result)
    return to_plain(card.question.text) if card.question is not None else None


def with_approver() -> Harness:
    """A started report led by Alice, with Bob a configured approver."""
    h = Harness(policy=Policy(approvers=frozenset({key(BOB)})))
    h.start()
    return h
