"""A whole scenario with every credential set, and not one of them anywhere it can be seen:
the log of `serve` (a real process), every HTTP answer it gives (Slack, Teams, /healthz,
/metrics, refusals), and everything it posts to Slack."""

from __future__ import annotations

import json
import os
from pathlib import Path

import aiohttp

from conversations import actions
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import fake_slack, signed_headers
from tests.bot.serve_process import ServeProcess, thread_recorded
from tests.secrets_helpers import SECRET_SETTINGS, assert_no_secrets, secret_environment

SIGNING = SECRET_SETTINGS["SLACK_SIGNING_SECRET"]


async def test_no_secret_in_logs_answers_or_posts(
    process_postgres_url: str, tmp_path: Path
) -> None:
    async with fake_slack(
        users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"},
        tokens={SECRET_SETTINGS["SLACK_BOT_TOKEN"]},
    ) as fake:
        env = {
            **secret_environment(process_postgres_url),
            "SLACK_API_URL": fake.url,
            # A relay that answers nothing: the send is attempted with the credentials and
            # fails, which is where a careless error text would show them.
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(free_port()),
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "SLACK_POSTS_PER_SECOND": "1000",
            "SLACK_POST_BURST": "1000",
        }
        # One workspace, by token: the OAuth client id would switch to installs.
        env.pop("SLACK_CLIENT_ID")
        serve = ServeProcess({**os.environ, **env}, log_path=tmp_path / "serve.log")
        await serve.start()
        answers: list[str] = []
        try:
            async with aiohttp.ClientSession() as session:

                async def slack(body: str, content_type: str, secret: str = SIGNING) -> None:
                    headers = signed_headers(body, secret=secret, content_type=content_type)
                    async with session.post(
                        f"{serve.url}/slack/events", data=body.encode(), headers=headers
                    ) as response:
                        answers.append(f"{response.status} {await response.text()}")

                form = "application/x-www-form-urlencoded"
                await slack(payloads.slash_command("U0LEAD", "new Secret scenario"), form)
                # The root asks the first question itself: no thread post says it is open.
                await fake.wait_until(lambda: bool(fake.posts()), within=20)
                (root,) = [c for c in fake.posts() if "thread_ts" not in c.args]
                thread = str(root.answer["ts"])
                await thread_recorded(process_postgres_url, thread)
                for text in ("amber", "2.3: 203.0.113.7", "0.3: Example Corp"):
                    message = payloads.thread_message("U0BOB", text, thread)
                    await slack(payloads.event_callback(message), "application/json")
                await slack(payloads.slash_command("U0LEAD", "send"), form)
                await fake.wait_until(
                    lambda: any("Confirm" in json.dumps(c.args) for c in fake.posts()), within=20
                )
                database = Database.from_url(process_postgres_url)
                try:
                    (summary,) = await ReportStore(database).list_reports()
                finally:
                    await database.dispose()
                await slack(
                    payloads.block_actions("U0LEAD", actions.CONFIRM_SEND, summary.id, thread),
                    form,
                )
                # Forgeries and garbage: refused, and the refusals say nothing secret either.
                await slack(payloads.slash_command("U0LEAD", "status"), form, secret="wrong")
                await slack('{"type": {}}', "application/json")
                async with session.post(
                    f"{serve.url}/api/messages",
                    json={"type": "message", "id": "1", "serviceUrl": "http://x/"},
                ) as response:
                    answers.append(f"{response.status} {await response.text()}")
                for path in ("/healthz", "/metrics"):
                    async with session.get(f"{serve.url}{path}") as response:
                        answers.append(f"{response.status} {await response.text()}")
                # The e-mail worker tries the relay with the credentials, fails, and says so
                # in the thread: where a careless error text would show them.
                await fake.wait_until(
                    lambda: any("is delayed" in json.dumps(c.args) for c in fake.posts(thread)),
                    within=30,
                )
        finally:
            code = await serve.stop()
        assert code == 0, serve.log()[-3000:]
        assert len(answers) >= 10
        assert any(answer.startswith("401") for answer in answers)
        for answer in answers:
            assert_no_secrets(answer, f"the answer {answer[:60]!r}")
        assert_no_secrets(serve.log(), "the log of serve")
        assert_no_secrets(json.dumps([c.args for c in fake.calls]), "what the bot sent to Slack")
