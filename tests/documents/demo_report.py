"""The demo incident as one report through the real engine and the real checklist: the input
of the STIX and CISA golden files, at any TLP and with or without anonymity."""

from __future__ import annotations

from conversations.checklist import default_checklist
from conversations.state import Actor, ReportState
from tests.conversations.harness import Harness

LEAD = Actor(id="U-ALICE", name="Alice Moreno (IR lead)")
ML_ENGINEER = Actor(id="U-BOB", name="Bob Chen (ML platform)")
ANALYST = Actor(id="U-CAROL", name="Carol Diaz (SOC)")
INTEL = Actor(id="U-DANA", name="Dana Okafor (threat intel)")


def demo_report(tlp: str = "amber", attribution: str = "ask first") -> tuple[Harness, ReportState]:
    h = Harness(checklist=default_checklist())
    h.start("Prompt injection in the support copilot", lead=LEAD)
    h.say(LEAD, f"0.1: {tlp}")
    h.say(LEAD, f"0.2: {attribution}")
    h.say(LEAD, "0.3: Example Corp, AI platform security team")
    h.say(LEAD, "0.4: Alice Moreno, IR lead, alice.moreno@example.com, +1 202 555 0100")
    h.say(
        LEAD,
        "0.5: Instructions hidden in a support ticket made our support copilot show another "
        "customer's order history. We disabled its order tool the same evening.",
    )
    h.say(LEAD, "0.6: FBI field office (case 2026-114), our sector ISAC")
    h.say(ANALYST, "1.1: attempted attack")
    h.say(ML_ENGINEER, "1.2: yes")
    h.say(INTEL, "1.3: CVE-2024-3094")
    h.say(ANALYST, "1.6: speculative")
    h.say(ANALYST, "2.2: the copilot's tool-call log flagged an unusual order lookup")
    h.say(ANALYST, "2.3: hxxp://evil[.]example[.]com/exfil and 203.0.113[.]7", message_id="M-iocs")
    h.say(INTEL, "2.3: d41d8cd98f00b204e9800998ecf8427e, attacker@evil-example.net")
    h.say(ANALYST, "2.6: 198.51.100.23 and c2.evil-example[.]net")
    h.say(ANALYST, "2.7: 2026-11-19 22:40 UTC; 2026-11-20 09:15 UTC")
    h.say(ML_ENGINEER, "4.1: support-copilot, gpt-4o-mini fine-tune v3")
    h.say(ANALYST, "5.2: United States and Canada")
    h.say(ANALYST, "5.5: moderate")
    h.say(ANALYST, "5.7: about 1,200")
    h.say(INTEL, "6.6: retail, no critical infrastructure sector affected")
    h.say(LEAD, "7.1: mitigated")
    h.say(INTEL, "8.3: AML.T0051, T1566.002")
    h.say(INTEL, "8.7: prompt injection")
    assert h.state is not None
    return h, h.state
