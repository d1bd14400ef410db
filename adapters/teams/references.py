"""Where Teams conversations and people can be reached later: the conversation references an
activity brings (as addresses on its event), and the port the chat reads them back through.

Keys are conversation ids as the adapter addresses them (a channel id without `;messageid=`,
a personal or group chat id), plus `user:<Teams user id>` for the personal chat with a person,
where the bot sends what only that person should see, and `aad:<Entra object id>` for the
Teams user id of the person with that Entra (AAD) object id: a message action names the
message's author by their Entra id alone, while everything a person sends names them by their
Teams user id (`29:...`), which is the id the report records. Storage implements the port.
"""

from __future__ import annotations

from typing import Any, Protocol

from adapters.teams import shapes
from adapters.teams.translate import parse_activity, reference_of, user_reference_of
from conversations.addresses import Address

# The address book Teams' addresses go to (storage keeps one by this name).
REFERENCE_BOOK = "teams_conversations"
USER_PREFIX = "user:"
ENTRA_PREFIX = "aad:"


def user_key(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


def entra_key(aad_object_id: str) -> str:
    return f"{ENTRA_PREFIX}{aad_object_id}"


class ConversationReferences(Protocol):
    async def load(self, key: str) -> dict[str, Any] | None: ...

    async def save(self, key: str, reference: dict[str, Any]) -> None:
        """Insert or replace the reference stored under `key` (a personal chat just opened)."""
        ...


def addresses_of(activity: dict[str, Any] | shapes.Activity) -> tuple[Address, ...]:
    """The references an activity brings: its conversation's, and the sender's."""
    shape = parse_activity(activity)
    reference = reference_of(shape)
    found = [Address(book=REFERENCE_BOOK, key=reference["conversation"]["id"], value=reference)]
    sender = (shape.sender.id if shape.sender else None) or None
    bot = shape.recipient.id if shape.recipient else None
    if sender is None or sender.startswith("28:") or sender == bot:
        return tuple(found)  # a bot's own activity: no person to reach
    personal = (shape.conversation or shapes.Conversation()).conversationType == "personal"
    # A personal chat is the best way to reach someone privately: keep it once seen.
    # Otherwise any conversation of theirs will do to open one later (if none is known yet).
    found.append(
        Address(
            book=REFERENCE_BOOK,
            key=user_key(sender),
            value=user_reference_of(shape),
            replace=personal,
        )
    )
    aad = shape.sender.aadObjectId if shape.sender else None
    if aad:
        # Only the ids and the name: unchanged, it costs no statement (see storage).
        person = {"id": sender, "aadObjectId": aad}
        found.append(Address(book=REFERENCE_BOOK, key=entra_key(aad), value={"user": person}))
    return tuple(found)


async def teams_user_id(references: ConversationReferences, aad_object_id: str) -> str | None:
    """The Teams user id of the person with this Entra object id, once they have sent the
    bot anything; None before."""
    known = await references.load(entra_key(aad_object_id))
    user = known.get("user") if known else None
    found = user.get("id") if isinstance(user, dict) else None
    return found if isinstance(found, str) and found else None
