"""A section modal on the fake Slack opens with everybody's answers and the open conflicts,
and submitting it unchanged records nothing; every real section's title fits Slack's 24
characters without a cut word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.slack.blocks import modal_title, modal_view
from conversations import actions
from conversations.checklist import default_checklist
from conversations.effects import SectionForm
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import SlackScene, slack_scene
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"


def _as_submitted(view: dict[str, Any]) -> dict[str, Any]:
    """The state Slack reports for a modal nobody touched: each element's initial value."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "plain_text_input":
            state[block["block_id"]] = payloads.text_input(element.get("initial_value", ""))
        elif element["type"] == "static_select":
            chosen = element.get("initial_option")
            state[block["block_id"]] = {
                "type": "static_select",
                "selected_option": {"value": chosen["value"]} if chosen else None,
            }
        else:
            state[block["block_id"]] = {
                "type": "multi_static_select",
                "selected_options": [
                    {"value": o["value"]} for o in element.get("initial_options", [])
                ],
            }
    return state


async def _open(scene: SlackScene, user: str, report_id: str, section: str) -> dict[str, Any]:
    before = len(scene.fake.of("views.open"))
    click = payloads.block_actions(user, actions.OPEN_FORM, f"{report_id}:{section}", scene.thread)
    assert (await scene.interaction(click)).status == 200
    await scene.fake.wait_until(lambda: len(scene.fake.of("views.open")) > before)
    view: dict[str, Any] = scene.fake.of("views.open")[-1].args["view"]
    return view


async def test_a_modal_opens_prefilled_with_everybodys_answers_and_conflicts(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        (summary,) = await scene.store.list_reports()
        await scene.reply("U0BOB", "1.3: CVE-2024-3094")
        await scene.reply("U0CARA", "1.3: CVE-2023-1234")
        await scene.reply("U0BOB", "1.6: confirmed")
        await scene.reply("U0CARA", "1.6: speculative")
        await scene.reply("U0CARA", "1.1: incident")
        await scene.fake.settle()

        view = await _open(scene, "U0DAN", summary.id, "description")
        inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert inputs["description.cves"]["element"]["initial_value"] == (
            "CVE-2024-3094\nCVE-2023-1234"
        )
        assert inputs["description.event_type"]["element"]["initial_option"]["value"] == (
            "incident"
        )
        assert inputs["description.confidence"]["hint"]["text"].startswith(
            "Conflict: confirmed (Bob) / speculative (Cara) \u2014 the lead resolves. "
        )
        assert "initial_option" not in inputs["description.confidence"]["element"]
        assert len(view["title"]["text"]) <= 24
        metadata = json.loads(view["private_metadata"])
        golden = {**view, "private_metadata": {**metadata, "report_id": "<report id>"}}
        check_golden(GOLDEN / "prefilled_form.json", as_json(golden))

        # Submitted as it opened: nothing new is stored.
        before = await scene.store.load(summary.id)
        assert before is not None
        answer = await scene.turn(
            scene.interaction(payloads.view_submission("U0DAN", view, _as_submitted(view)))
        )
        assert answer.status == 200
        after = await scene.store.load(summary.id)
        assert after is not None
        assert after.contributions == before.contributions
        assert any("nothing changed" in t for t in scene.ephemerals_for("U0DAN"))

        # One changed field: one contribution, Dan's, holding only what is new.
        state = _as_submitted(view)
        state["description.cves"] = payloads.text_input(
            "CVE-2024-3094\nCVE-2023-1234\nCVE-2022-0001"
        )
        await scene.turn(scene.interaction(payloads.view_submission("U0DAN", view, state)))
        changed = await scene.store.load(summary.id)
        assert changed is not None
        added = changed.contributions[len(before.contributions) :]
        assert [(c.item_id, c.author.id, c.value) for c in added] == [
            ("description.cves", "U0DAN", ["CVE-2022-0001"])
        ]


def test_every_real_section_title_fits_without_a_cut_word() -> None:
    for section in default_checklist().sections:
        form = SectionForm(
            report_id="r",
            section_id=section.id,
            title=f"{section.number} {section.title}",
            number=section.number,
            section_title=section.title,
            fields=(),
        )
        title = modal_title(form)
        assert len(title) <= 24, title
        words = set(f"Section {section.number} form \u00b7 {section.title}".split())
        assert set(title.split()) <= words, title  # whole words only
        assert modal_view(form, "C1")["blocks"][0]["text"]["text"] == (
            f"Section {section.number} {section.title}"
        )
