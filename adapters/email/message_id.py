"""Message-IDs for submission e-mails: one rule for the outbox worker and `report export`.

The domain is the sender's own (RFC 5322 wants the right-hand side to be a name the sender
controls), or a reserved `.invalid` name when the sender has none. Not pure, on purpose kept
out of message.py: `make_msgid` reads the clock, the process id and a random number, which is
what makes two ids never collide.
"""

from __future__ import annotations

from email.utils import make_msgid

FALLBACK_DOMAIN = "jcdc-bot.invalid"


def message_id_domain(sender: str) -> str:
    # rpartition without an "@" returns the whole string as the last part: not a domain.
    _, at, domain = sender.rpartition("@")
    return domain if at and domain else FALLBACK_DOMAIN


def new_message_id(sender: str, label: str | None = None) -> str:
    """A fresh `<...@domain>` id; `label` (e.g. `jcdc.<report>.v3`) makes it readable."""
    return make_msgid(idstring=label, domain=message_id_domain(sender))
