"""The one rule for recording a contribution, whichever way it came (a reply, a direct
answer, a form, a command): parse it, refuse what is unusable, replace the person's own
earlier single answer, and retract with a reason."""

from __future__ import annotations

from pydantic import JsonValue

from conversations.answers import Accepted, parse_answer
from conversations.answers.notes import leftover_note
from conversations.checklist import Item
from conversations.ids import contribution_id_for
from conversations.merge import ItemMerge, same_value
from conversations.permissions import is_me, refuse_tlp_change
from conversations.richtext import rich, strong
from conversations.state import Actor, Contribution, RetractReason, Via
from conversations.turn import Turn


def contribute(
    turn: Turn, item: Item, text: str, via: Via, message_id: str | None
) -> ItemMerge | None:
    """Parse and record one answer; explain and record nothing when it is unusable."""
    if refuse_tlp_change(turn, item):
        return None
    parsed = parse_answer(item, text, turn.time_context)
    if not isinstance(parsed, Accepted):
        turn.tell(rich(strong(f"{item.number}: "), parsed.reason, " Nothing was recorded."))
        return None
    own = own_answers(turn, item)
    if any(same_value(c.value, parsed.value) for c in own):
        turn.tell(rich(f"You already gave that answer to {item.number}; nothing changed."))
        return None
    # A person changing their own single answer replaces it; it is not a conflict.
    if not item.accumulates:
        for contribution in own:
            retract(turn, contribution, "superseded")
    add_contribution(turn, item, text, parsed.value, via=via, message_id=message_id)
    return turn.merge.item(item.id)


def own_answers(turn: Turn, item: Item) -> list[Contribution]:
    """This turn's person's active contributions to `item`.

    A report's one item may hold thousands of contributions (an indicator list), and this
    runs on every answer: the merge's index by item and user id hands over the ones under
    this person's user id. They are this person's when that id means them in the report's
    space: `is_me` compares keys that differ only in where the event came from, so asking it
    of the turn's own actor answers for all of them at once.
    """
    if not is_me(turn, turn.actor):
        return []
    return [c for c in turn.merge.contributions_by(item.id, turn.actor.id) if c.active]


def add_contribution(
    turn: Turn,
    item: Item,
    text: str,
    value: JsonValue,
    via: Via,
    message_id: str | None,
    author: Actor | None = None,
) -> None:
    """Record `value`; written by whoever caused the turn, or by `author` when they add
    someone else's words (then the turn's actor is kept as `added_by`)."""
    event = turn.event
    added_by = turn.actor if author is not None else None
    contribution = Contribution(
        id=contribution_id_for(event.platform, event.event_id, item.id),
        item_id=item.id,
        author=author or turn.actor,
        at=turn.now,
        via=via,
        source_message_id=message_id,
        raw=text,
        value=value,
        note=leftover_note(item, text, value),
        added_by=added_by,
    )
    turn.change(
        contributions=(*turn.state.contributions, contribution),
        skipped=tuple(s for s in turn.state.skipped if s != item.id),
    )
    detail: dict[str, JsonValue] = {"contribution": contribution.id, "via": via, "raw": text}
    if author is not None:
        detail |= {"author": author.id, "author_name": author.name}
    turn.record("answer_recorded", item.id, **detail)


def retract(turn: Turn, contribution: Contribution, reason: RetractReason) -> None:
    retracted = contribution.model_copy(
        update={"retracted_at": turn.now, "retracted_reason": reason}
    )
    turn.change(
        contributions=tuple(
            retracted if c.id == contribution.id else c for c in turn.state.contributions
        )
    )
    turn.record(
        "answer_retracted", contribution.item_id, contribution=contribution.id, reason=reason
    )
