"""Section forms as Teams dialogs, through the endpoint, the real runner and storage and the
fake connector: the `task/fetch` a form button sends is answered with the prefilled form,
the dialog's `task/submit` is stored and recorded as the submitter's answers, and bad
values, strangers and replays change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conversations import actions
from conversations.state import ReportState
from tests.adapters.teams.activities import DANA, TENANT, Person
from tests.adapters.teams.conftest import TeamsBot
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"
OTHER_TENANT = "0b0b0b0b-1111-2222-3333-444455556666"
SECTION = "description"


async def _started(teams: TeamsBot) -> ReportState:
    await teams.driver.command("alice", "new Prompt injection in support copilot")
    return await _report(teams)


async def _report(teams: TeamsBot) -> ReportState:
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    return state


def _root_button(teams: TeamsBot) -> dict[str, Any]:
    """The data of the root card's "Open the form" (the section picker's button)."""
    bot = teams.driver
    updates = [c for c in bot.connector.updates() if c.activity_id == bot.thread]
    root = updates[-1] if updates else bot.connector.sent(bot.activities.channel)[0]
    # Not the first question's own form button (its value names its section), which the
    # root carries while it asks that question.
    (data,) = [
        d
        for d in root.actions()
        if d.get("action") == actions.OPEN_FORM and ":" not in str(d.get("value"))
    ]
    return data


def _invoke(
    teams: TeamsBot,
    name: str,
    sender: Person,
    data: dict[str, Any],
    tenant: str = TENANT,
) -> dict[str, Any]:
    """A card action's invoke as Teams sends it from the report's thread: the action's data
    merged with the card's inputs, under `value.data`."""
    activities = teams.driver.activities
    thread = teams.driver.thread
    activity = activities._base(
        "invoke",
        sender,
        {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant,
            "id": f"{activities.channel};messageid={thread}",
        },
    )
    channel_data = activities._channel_data()
    channel_data["tenant"] = {"id": tenant}
    activity.update(
        name=name,
        replyToId=thread,
        value={"type": name, "data": data, "context": {"theme": "default"}},
        channelData=channel_data,
        entities=[{"type": "clientInfo", "locale": "en-US", "platform": "Web"}],
    )
    return activity


async def _post(teams: TeamsBot, activity: dict[str, Any]) -> dict[str, Any]:
    response = await teams.client.post("/api/messages", json=activity)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    assert teams.driver.settled is not None
    await teams.driver.settled()
    return answer


async def _fetch(
    teams: TeamsBot, sender: Person = DANA, section: str = SECTION, tenant: str = TENANT
) -> dict[str, Any]:
    data = {**_root_button(teams), "section": section}
    return await _post(teams, _invoke(teams, "task/fetch", sender, data, tenant))


def _dialog_card(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["task"]["type"] == "continue", answer
    card = answer["task"]["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = card["content"]
    return content


def _submission(
    teams: TeamsBot,
    dialog: dict[str, Any],
    values: dict[str, str],
    sender: Person = DANA,
    tenant: str = TENANT,
    **data_changes: str,
) -> dict[str, Any]:
    """The dialog's "Save answers" pressed with `values` typed into its fields."""
    card = _dialog_card(dialog)
    (save,) = card["actions"]
    inputs = {b["id"]: b.get("value", "") for b in card["body"] if "id" in b}
    inputs.update({f"answer:{item}": value for item, value in values.items()})
    data = {**save["data"], **data_changes, **inputs}
    return _invoke(teams, "task/submit", sender, data, tenant)


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in card["body"] if "id" in b}


async def test_a_form_button_opens_its_section_as_a_prefilled_dialog(teams: TeamsBot) -> None:
    bot = teams.driver
    report = await _started(teams)
    await bot.reply("bob", "1.3: CVE-2024-3094")
    before = await _report(teams)
    # Every form button on the root card and in the thread asks Teams for a dialog.
    form_buttons = [
        d for c in bot.connector.calls if c.body.get("attachments") for d in c.actions()
    ]
    form_buttons = [d for d in form_buttons if d.get("action") == actions.OPEN_FORM]
    assert form_buttons
    assert all(d["msteams"] == {"type": "task/fetch"} for d in form_buttons)

    answer = await _fetch(teams)
    card = _dialog_card(answer)
    title = answer["task"]["value"]["title"]
    assert title == "Section 1 Description of the incident or vulnerability"
    # Prefilled with the thread's answer, which was Bob's.
    assert _inputs(card)["answer:description.cves"]["value"] == "CVE-2024-3094"
    check_golden(
        GOLDEN / "dialog_section_form.json", as_json(answer).replace(report.id, "<report id>")
    )
    # Asking changed nothing, and nothing went to Dana's personal chat.
    assert await _report(teams) == before
    assert bot.private_texts("dana") == []


async def test_a_dialog_submission_records_the_submitters_answers(teams: TeamsBot) -> None:
    bot = teams.driver
    await _started(teams)
    dialog = await _fetch(teams)
    answer = await _post(
        teams,
        _submission(
            teams,
            dialog,
            {"description.event_type": "attempted_attack", "description.cves": "CVE-2024-3094"},
        ),
    )
    assert answer["task"]["type"] == "message"
    saved = answer["task"]["value"]
    assert saved.startswith("Saved: 1.1, 1.3 of section 1 Description"), saved
    assert "under your name" in saved
    state = await _report(teams)
    via_form = {
        c.item_id: (c.raw, c.author.id) for c in state.contributions if c.via == "form" and c.active
    }
    assert via_form == {
        "description.event_type": ("attempted_attack", DANA.id),
        "description.cves": ("CVE-2024-3094", DANA.id),
    }
    # The thread stays quiet (the answers show on the root card and on asked questions); the
    # form itself went nowhere else: the dialog was the form. Dana's personal chat keeps the
    # one notice that carries the form's Undo.
    assert not any("answered section 1 in a form" in t for t in bot.thread_texts())
    (notice,) = bot.private_texts("dana")
    assert "Dana Diaz answered section 1 in a form: 1.1, 1.3." in notice
    assert not any(t.startswith("Section 1 Description") for t in bot.private_texts("dana"))


async def test_invalid_values_show_the_form_again_with_the_errors(teams: TeamsBot) -> None:
    bot = teams.driver
    await _started(teams)
    before = await _report(teams)
    thread_before = bot.thread_texts()
    dialog = await _fetch(teams)
    answer = await _post(
        teams,
        _submission(
            teams,
            dialog,
            {"description.cves": "not a cve at all", "description.event_type": "attempted_attack"},
        ),
    )
    card = _dialog_card(answer)
    inputs = _inputs(card)
    # What was typed and picked is still there, and the reason sits under its field only.
    assert inputs["answer:description.cves"]["value"] == "not a cve at all"
    assert inputs["answer:description.event_type"]["value"] == "attempted_attack"
    ids = [b.get("id") for b in card["body"]]
    below = card["body"][ids.index("answer:description.cves") + 1]
    assert below["type"] == "RichTextBlock"
    assert below["inlines"][0]["color"] == "Attention"
    assert "CVE" in below["inlines"][0]["text"]
    after_choice = card["body"][ids.index("answer:description.event_type") + 1]
    assert after_choice["inlines"][0].get("color") != "Attention"
    text = " ".join(
        run["text"] for b in card["body"] if b["type"] == "RichTextBlock" for run in b["inlines"]
    )
    assert "Nothing was recorded" in text
    # The same data still saves from the form shown again.
    assert card["actions"][0]["data"]["section_id"] == SECTION
    # Nothing recorded, nothing posted, nothing sent privately.
    assert await _report(teams) == before
    assert bot.thread_texts() == thread_before
    assert bot.private_texts("dana") == []


async def test_another_tenants_or_an_unknown_report_is_refused_kindly(teams: TeamsBot) -> None:
    bot = teams.driver
    report = await _started(teams)
    dialog = await _fetch(teams)
    before = await _report(teams)
    values = {"description.cves": "CVE-2024-3094"}
    for activity in (
        _submission(teams, dialog, values, report_id="no-such-report"),
        _submission(teams, dialog, values, tenant=OTHER_TENANT),
    ):
        answer = await _post(teams, activity)
        assert answer["task"]["type"] == "message"
        assert "can't be changed from here" in answer["task"]["value"]
    # Opening the form from another tenant is refused the same way.
    answer = await _fetch(teams, tenant=OTHER_TENANT)
    assert answer["task"] == {
        "type": "message",
        "value": answer["task"]["value"],
    }
    assert "can't be changed from here" in answer["task"]["value"]
    assert await _report(teams) == before
    assert all("CVE-2024-3094" not in t for t in bot.thread_texts())
    assert report.id not in str(answer)


async def test_a_refused_dialog_leaves_an_audit_line_as_a_refused_card_submit_does(
    teams: TeamsBot,
) -> None:
    report = await _started(teams)
    dialog = await _fetch(teams)
    refused_before = [
        e for e in await teams.store.audit_trail(report.id) if e.action == "access_refused"
    ]
    before = await _report(teams)
    values = {"description.cves": "CVE-2024-3094"}
    answer = await _post(teams, _submission(teams, dialog, values, tenant=OTHER_TENANT))
    assert "can't be changed from here" in answer["task"]["value"]
    await _fetch(teams, tenant=OTHER_TENANT)  # opening it from there is an attempt too
    trail = [e for e in await teams.store.audit_trail(report.id) if e.action == "access_refused"]
    assert len(trail) == len(refused_before) + 2
    submit, fetch = trail[-2:]
    assert (submit.actor.id, submit.detail["event"]) == (DANA.id, "form_submitted")
    assert submit.detail["workspace"] == OTHER_TENANT
    assert fetch.detail["event"] == "button_pressed"
    # Only the audit trail: the report itself is as it was.
    assert await _report(teams) == before


async def test_a_replayed_submission_records_once(teams: TeamsBot) -> None:
    bot = teams.driver
    await _started(teams)
    dialog = await _fetch(teams)
    activity = _submission(teams, dialog, {"description.cves": "CVE-2024-3094"})
    first = await _post(teams, activity)
    again = await _post(teams, activity)
    assert first["task"]["value"].startswith("Saved: 1.3")
    # Teams sends an invoke again when its answer was late: what the person did was save.
    assert again["task"]["type"] == "message"
    assert again["task"]["value"].startswith("Saved: your answers are recorded")
    state = await _report(teams)
    cves = [c for c in state.contributions if c.item_id == "description.cves" and c.active]
    assert [(c.raw, c.author.id) for c in cves] == [("CVE-2024-3094", DANA.id)]
    notices = [t for t in bot.private_texts("dana") if "answered section 1 in a form" in t]
    assert len(notices) == 1


async def test_a_typed_form_command_still_sends_the_form_to_the_personal_chat(
    teams: TeamsBot,
) -> None:
    bot = teams.driver
    await _started(teams)
    await bot.command("dana", "form 1")
    (form,) = bot.private_texts("dana")
    assert form.startswith("Section 1 Description")


async def test_a_dialog_invoke_does_only_what_a_form_does(teams: TeamsBot) -> None:
    """A forged invoke naming another button (Confirm, say) opens nothing and changes
    nothing; one that is not shaped like Teams' is a 400, never a 500."""
    bot = teams.driver
    report = await _started(teams)
    before = await _report(teams)
    forged = {"jcdc": 1, "action": actions.CONFIRM_SEND, "report_id": report.id}
    for name in ("task/fetch", "task/submit"):
        answer = await _post(teams, _invoke(teams, name, DANA, forged))
        assert answer == {
            "task": {"type": "message", "value": "That button does not open anything in this app."}
        }
    broken = _invoke(teams, "task/submit", DANA, {})
    broken["value"] = {"type": "task/submit", "data": "not an object"}
    await bot.deliver(broken, expect=400)
    assert await _report(teams) == before
    assert await teams.store.submissions(report.id) == []
