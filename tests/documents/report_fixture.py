"""One busy report built through the real engine: the input of the assembly and golden tests."""

from __future__ import annotations

from conversations.state import ReportState
from tests.conversations.harness import ALICE, BOB, CAROL, DANA, Harness


def busy_report() -> tuple[Harness, ReportState]:
    """Every merge case at once: agreement, accumulation, conflict, resolution, skip, edits."""
    h = Harness()
    h.start("Prompt injection in <support> copilot *urgent*")
    h.say(ALICE, "amber")
    h.say(BOB, "Example Corp [security](http://phish.example) team")
    h.say(CAROL, "1.1: attempted attack")
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    h.command(ALICE, "resolve 1.3 1")
    h.say(BOB, "2.1: hxxp://evil[.]example[.]com/exfil and 203.0.113[.]7", message_id="M-bob-iocs")
    h.say(CAROL, "2.1: 198.51.100.23 d41d8cd98f00b204e9800998ecf8427e", message_id="M-carol")
    h.edit(CAROL, "M-carol", "2.1: 198.51.100.24 d41d8cd98f00b204e9800998ecf8427e")
    h.say(DANA, "2.2: about 1,200", message_id="M-dana")
    h.say(BOB, "2.2: 5000")
    h.say(DANA, "1.2: CVE-2024-3094", message_id="M-dana-cve")
    h.delete(DANA, "M-dana-cve")
    h.command(ALICE, "assign 2 <@U_DANA>", mentions=(DANA,))
    assert h.state is not None
    return h, h.state
