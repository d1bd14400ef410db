"""`jcdc-bot report audit` and `jcdc-bot purge` on the demo's report, in-process on SQLite."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Path, str]:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    cli = CliRunner()
    result = cli.invoke(main, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(database) as connection:
        (report_id,) = connection.execute("SELECT id FROM reports").fetchone()
    return cli, database, report_id


def test_audit_exports_who_did_what_as_json_and_csv(demo_db: tuple[CliRunner, Path, str]) -> None:
    cli, _, report_id = demo_db
    as_json = cli.invoke(main, ["report", "audit", report_id[:8]])
    assert as_json.exit_code == 0, as_json.output
    entries = json.loads(as_json.output)
    actions = [entry["action"] for entry in entries]
    assert actions[0] == "report_created"
    assert "answer_recorded" in actions
    assert "send_confirmed" in actions
    assert all(entry["actor_name"] and entry["at"] for entry in entries)

    as_csv = cli.invoke(main, ["report", "audit", report_id, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [row["action"] for row in rows] == actions
    assert [json.loads(row["detail"]) for row in rows] == [entry["detail"] for entry in entries]


def test_audit_of_an_unknown_report_is_a_clear_error(
    demo_db: tuple[CliRunner, Path, str],
) -> None:
    cli, _, _ = demo_db
    result = cli.invoke(main, ["report", "audit", "nope"])
    assert result.exit_code == 1
    assert "no report with an id starting 'nope'" in result.output


def test_purge_dry_run_then_purge_keeps_the_trail(
    demo_db: tuple[CliRunner, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, database, report_id = demo_db
    unset = cli.invoke(main, ["purge", "--dry-run"])
    assert unset.exit_code == 0, unset.output
    assert "JCDC_RETENTION_DAYS is not set" in unset.output
    assert "Would purge: 0 reports purged" in unset.output

    monkeypatch.setenv("JCDC_RETENTION_DAYS", "30")
    with sqlite3.connect(database) as connection:  # the demo's report, sent 31 days ago
        connection.execute("UPDATE reports SET updated_at = datetime('now', '-31 days')")
        contributions = connection.execute("SELECT count(*) FROM contributions").fetchone()[0]
    assert contributions > 0
    before = json.loads(cli.invoke(main, ["report", "audit", report_id]).output)

    dry = cli.invoke(main, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Would purge: 1 reports purged ({contributions} contributions" in dry.output
    wet = cli.invoke(main, ["purge"])
    assert wet.exit_code == 0, wet.output
    assert f"Purged: 1 reports purged ({contributions} contributions" in wet.output
    assert report_id in wet.output

    after = json.loads(cli.invoke(main, ["report", "audit", report_id]).output)
    assert [(e["at"], e["actor_id"], e["action"]) for e in after] == [
        (e["at"], e["actor_id"], e["action"]) for e in before
    ]
    assert not any("raw" in entry["detail"] or "value" in entry["detail"] for entry in after)
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM contributions").fetchone()[0] == 0
        assert connection.execute("SELECT purged_at IS NOT NULL FROM reports").fetchone()[0] == 1
    listed = cli.invoke(main, ["report", "list"])
    assert report_id in listed.output


def test_a_bad_retention_setting_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JCDC_RETENTION_DAYS", "0")
    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 1
    assert "JCDC_RETENTION_DAYS" in result.output
