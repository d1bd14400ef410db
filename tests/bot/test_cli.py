"""The `jcdc-bot` command line, run in-process against a temporary SQLite database."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.memory import MemoryChat
from bot.cli import main
from bot.runner import TurnRunner
from conversations.checklist import default_checklist
from conversations.events import CommandIssued
from conversations.policy import Policy
from conversations.state import ReportState, ReportStatus
from storage.database import Database
from storage.repository import ReportStore, SubmissionRecord
from tests.conversations.harness import ALICE
from tests.documents.test_stix import assert_valid


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return CliRunner()


def test_checklist_prints_every_item(cli: CliRunner) -> None:
    result = cli.invoke(main, ["checklist"])
    assert result.exit_code == 0, result.output
    for item in default_checklist().items():
        assert f"{item.number}  {item.question}" in result.output


def test_checklist_json_round_trips(cli: CliRunner) -> None:
    result = cli.invoke(main, ["checklist", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == default_checklist().version
    assert [s["number"] for s in data["sections"]] == list(range(10))


def test_bad_checklist_file_fails_loudly(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: '1'\ntitle: t\nsource: s\nsections:\n"
        "  - id: a\n    number: 1\n    title: A\n    intro: i\n    items:\n"
        "      - {id: a.x, number: '1.1', question: q, help: h, kind: banana}\n"
    )
    monkeypatch.setenv("JCDC_CHECKLIST", str(bad))
    result = cli.invoke(main, ["checklist"])
    assert result.exit_code == 1
    assert "a.x" in result.output


def test_db_upgrade_then_empty_report_list(cli: CliRunner) -> None:
    result = cli.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date" in result.output
    result = cli.invoke(main, ["report", "list"])
    assert result.exit_code == 0, result.output
    assert "No reports yet." in result.output


def test_version_names_the_installed_release(cli: CliRunner) -> None:
    from importlib.metadata import version

    result = cli.invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"jcdc-bot, version {version('jcdc-bot')}"


def test_the_demo_runs_again_on_the_same_database(cli: CliRunner, tmp_path: Path) -> None:
    for run in ("first", "second"):
        result = cli.invoke(main, ["demo", "--out", str(tmp_path / run)])
        assert result.exit_code == 0, result.output
        assert result.exception is None, result.exception
    listed = cli.invoke(main, ["report", "list"])
    assert listed.exit_code == 0, listed.output
    # Two reports, each in a thread of its own, both sent.
    assert listed.output.count(" sent ") == 2, listed.output


def test_demo_then_list_and_export(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli.invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in (
        "report.md",
        "report.json",
        "report.stix.json",
        "report.cisa.txt",
        "audit.json",
        "transcript.txt",
    ):
        assert (out / name).is_file(), name
    (eml,) = out.glob("*.eml")
    assert b"Subject: TLP:AMBER - AI cybersecurity incident report" in eml.read_bytes()
    assert "Sent to JCDC" in result.output or "sent (version" in result.output
    listed = cli.invoke(main, ["report", "list"])
    assert listed.exit_code == 0, listed.output
    report_id = listed.output.split()[0]
    assert " sent " in listed.output
    # The list counts as the report does: answered items of the checklist's total.
    counted = re.search(r"(\d+ of \d+ items answered)", listed.output)
    assert counted is not None, listed.output
    assert f"Completeness: {counted.group(1)} (" in (out / "report.md").read_text("utf-8")

    # `demo --out` names every file it wrote (the e-mail by its pattern).
    helped = " ".join(cli.invoke(main, ["demo", "--help"]).output.split())
    for written in sorted(out.iterdir()):
        assert (written.name if written.suffix != ".eml" else "<message id>.eml") in helped

    outbox = cli.invoke(main, ["outbox", "list"])
    assert outbox.exit_code == 0, outbox.output
    assert " sent " in outbox.output
    assert cli.invoke(main, ["outbox", "deliver"]).output.startswith("0 delivery attempt(s)")
    retry = cli.invoke(main, ["outbox", "retry", "nope"])
    assert retry.exit_code == 1
    assert "no failed submission 'nope'" in retry.output

    as_eml = cli.invoke(main, ["report", "export", report_id, "--format", "eml"])
    assert as_eml.exit_code == 0, as_eml.output
    assert "X-TLP: TLP:AMBER" in as_eml.output
    as_html = cli.invoke(main, ["report", "export", report_id, "--format", "html"])
    assert as_html.exit_code == 0, as_html.output
    assert as_html.output.startswith("<!DOCTYPE html>")

    exported = cli.invoke(main, ["report", "export", report_id[:8], "--format", "json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["report_id"] == report_id
    assert exported.output == (out / "report.json").read_text("utf-8")

    as_text = cli.invoke(
        main, ["report", "export", report_id, "--format", "text", "--out", str(tmp_path / "r.txt")]
    )
    assert as_text.exit_code == 0, as_text.output
    assert (tmp_path / "r.txt").read_text("utf-8").startswith("TLP:")

    as_stix = cli.invoke(main, ["report", "export", report_id, "--format", "stix"])
    assert as_stix.exit_code == 0, as_stix.output
    assert_valid(as_stix.output)
    assert as_stix.output == (out / "report.stix.json").read_text("utf-8")
    (eml,) = out.glob("*.eml")
    sent = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(sent, EmailMessage)
    attached = {p.get_filename() for p in sent.iter_attachments()}
    assert "report.stix.json" in attached
    as_cisa = cli.invoke(main, ["report", "export", report_id, "--format", "cisa"])
    assert as_cisa.exit_code == 0, as_cisa.output
    assert "CISA key elements: " in as_cisa.output
    assert "Who else has been informed" in as_cisa.output

    missing = cli.invoke(main, ["report", "export", "ffffffff"])
    assert missing.exit_code == 1
    assert "no report with an id starting 'ffffffff'" in missing.output


def test_outbox_run_delivers_and_stops_on_sigterm(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    outbox_dir = tmp_path / "outbox"

    async def confirmed_report() -> str:
        database = Database.from_url(database_url)
        await database.upgrade()
        store = ReportStore(database)
        runner = TurnRunner(store, MemoryChat(), default_checklist(), Policy())
        created = await runner.handle(
            CommandIssued(
                event_id="n", platform="t", channel="C", actor=ALICE, text="new Worker test"
            )
        )
        assert created.step is not None
        assert created.step.state is not None
        report_id = created.step.state.id
        for n, text in enumerate(["send", "confirm"]):
            await runner.handle(
                CommandIssued(event_id=f"c{n}", platform="t", channel="C", actor=ALICE, text=text)
            )
        await database.dispose()
        return report_id

    async def load(report_id: str) -> tuple[ReportState | None, list[SubmissionRecord]]:
        database = Database.from_url(database_url)
        store = ReportStore(database)
        try:
            return await store.load(report_id), await store.submissions(report_id)
        finally:
            await database.dispose()

    report_id = asyncio.run(confirmed_report())
    environment = {**os.environ, "DATABASE_URL": database_url, "OUTBOX_DIR": str(outbox_dir)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "outbox", "run", "--poll", "0.2"],
        env=environment,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(outbox_dir.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    assert worker.returncode == 0, errors.decode()
    assert len(list(outbox_dir.glob("*.eml"))) == 1
    state, submissions = asyncio.run(load(report_id))
    assert state is not None
    assert state.status is ReportStatus.SENT
    assert [s.status for s in submissions] == ["sent"]
