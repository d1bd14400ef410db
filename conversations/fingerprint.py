"""A fingerprint of what a report would tell JCDC, to notice that nothing changed since the
last e-mail. Pure: hashing is computation, not I/O."""

from __future__ import annotations

import hashlib
import json

from conversations.state import ReportState


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_fingerprint(state: ReportState, tlp: str) -> str:
    """sha256 over the title, the TLP marking, every distinct (item, value) among the active
    contributions and the resolutions, in a canonical order.

    Who gave a value and when are left out on purpose: a second responder repeating a value,
    or an answer withdrawn and given again, changes nothing JCDC would read.
    """
    answers = sorted({(c.item_id, _canonical(c.value)) for c in state.contributions if c.active})
    resolutions = sorted({(r.item_id, _canonical(r.value)) for r in state.resolutions})
    document = {
        "title": state.title,
        "tlp": tlp,
        "answers": answers,
        "resolutions": resolutions,
    }
    return hashlib.sha256(_canonical(document).encode()).hexdigest()
