"""Any report the engine can produce exports a STIX bundle that validates with no error and no
warning, and parses back through `stix2` unchanged."""

from __future__ import annotations

import json

import stix2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.checklist import AnswerKind, Item, default_checklist
from conversations.state import Actor
from documents.assembly import assemble
from documents.stix import render_stix
from tests.conversations.harness import ALICE, BOB, CAROL, Harness
from tests.documents.test_stix import validate

CHECKLIST = default_checklist()
# Answers of every shape for each item: its own example, values of its kind that structured
# exports care about (awkward ones included: quotes, backslashes, unicode, revoked techniques),
# and noise the parser may refuse.
BY_KIND: dict[AnswerKind, list[str]] = {
    AnswerKind.IOCS: [
        "hxxp://evil[.]example[.]com/a'b\\c and 203.0.113[.]7",
        "bad[@]evil-example[.]net, 2001:db8::1, "
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ],
    AnswerKind.CVES: ["CVE-2024-3094, cve-2021-44228"],
    AnswerKind.TECHNIQUES: ["AML.T0051.000, T1566, T1086, AML.T0054"],
    AnswerKind.NUMBER: ["about 1,200", "at least 10", "100-200", "0"],
    AnswerKind.CHOICE: ["1", "2", "3", "anonymous"],
    AnswerKind.MULTI_CHOICE: ["1, 2", "3"],
    AnswerKind.TLP: ["clear", "green", "amber", "amber+strict", "red"],
    AnswerKind.SEVERITY: ["negligible", "severe"],
    AnswerKind.CONFIDENCE: ["unverified", "confirmed"],
    AnswerKind.DATETIME: ["2026-11-19 22:40 UTC", "2026-11-20"],
    AnswerKind.TEXT: ["Zoë's \"copilot\" \u2014 \u6f22\u5b57 \U0001f600 \\ '"],
}


def answers_for(item: Item) -> st.SearchStrategy[tuple[str, str]]:
    texts = [item.example, *BY_KIND.get(item.kind, [])] if item.example else BY_KIND[item.kind]
    return st.tuples(st.just(item.number), st.sampled_from(texts) | st.text(max_size=40))


ANSWERS = st.sampled_from(list(CHECKLIST.items())).flatmap(answers_for)
# Titles the engine accepts (it refuses control characters with a message of its own).
TITLES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["answer", "answer", "answer", "answer", "edit", "delete", "resolve"]),
        st.sampled_from([ALICE, BOB, CAROL]),
        ANSWERS,
        st.integers(0, 3),
    ),
    min_size=3,
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(titles=TITLES, steps=STEPS)
def test_any_report_exports_a_bundle_that_validates(
    titles: str, steps: list[tuple[str, Actor, tuple[str, str], int]]
) -> None:
    h = Harness(checklist=CHECKLIST)
    h.start(" ".join(titles.split()) or "report")
    for kind, person, (number, text), slot in steps:
        # Message ids repeat on purpose, so that edits and deletions hit earlier answers.
        message = f"M{slot}"
        if kind == "answer":
            h.say(person, f"{number}: {text}", message_id=message)
        elif kind == "edit":
            h.edit(person, message, f"{number}: {text}")
        elif kind == "delete":
            h.delete(person, message)
        else:
            h.command(ALICE, f"resolve {number} {slot + 1}")
    if h.state is None:
        return
    rendered = render_stix(assemble(h.state, h.checklist))
    assert validate(rendered) == ([], [])
    parsed = stix2.parse(rendered, allow_custom=False)
    assert json.loads(parsed.serialize()) == json.loads(rendered)
