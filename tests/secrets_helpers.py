"""One set of made-up credentials for every setting that holds one, and a check that none of
them shows up in some text (a repr, a log, a response body, /metrics).

    environment = secret_environment(database_url)   # monkeypatch these, or pass to a process
    ... run something ...
    assert_no_secrets(caplog.text, "the log")

Each value is distinctive, so finding it anywhere can only mean a leak. The database password
contains characters that a URL must percent-encode: a leak of either spelling is caught.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import make_url

DATABASE_PASSWORD = "db-S3cret:p@ss/7a1c"

# Environment variable -> a credential. Every one of these is a secret in bot.settings.
SECRET_SETTINGS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "xoxb-000000000-secret-bot-token-4be1",
    "SLACK_SIGNING_SECRET": "slack-signing-secret-90f3c2",
    "SLACK_APP_TOKEN": "xapp-1-secret-app-token-c77d",
    "SLACK_CLIENT_SECRET": "slack-client-secret-1e5b08",
    "MicrosoftAppPassword": "teams-app-password-d41a9e",
    "SMTP_PASSWORD": "smtp-password-6f02b7",
}

# What goes with them; not secret (an OAuth client id appears in every install link).
PUBLIC_SETTINGS: dict[str, str] = {
    "SLACK_CLIENT_ID": "1111111111.2222222222",
    "MicrosoftAppId": "00000000-0000-0000-0000-00000000a11d",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-0000000007e7",
    "SMTP_HOST": "relay.example.org",
    "SMTP_USERNAME": "jcdc-relay-user",
}


def with_database_password(url: str) -> str:
    """`url` with DATABASE_PASSWORD as its password."""
    return make_url(url).set(password=DATABASE_PASSWORD).render_as_string(hide_password=False)


def secret_environment(database_url: str) -> dict[str, str]:
    """Every credential setting, and DATABASE_URL: `database_url` carrying DATABASE_PASSWORD."""
    return {
        **PUBLIC_SETTINGS,
        **SECRET_SETTINGS,
        "DATABASE_URL": with_database_password(database_url),
    }


def secret_values() -> dict[str, str]:
    """What must never be seen, by a name for it."""
    return {
        **SECRET_SETTINGS,
        "DATABASE_URL password": DATABASE_PASSWORD,
        "DATABASE_URL password (URL-encoded)": quote(DATABASE_PASSWORD, safe=""),
    }


def leaked(text: str) -> list[str]:
    """The names of the secrets found in `text`."""
    return [name for name, value in secret_values().items() if value in text]


def assert_no_secrets(text: str, where: str) -> None:
    found = leaked(text)
    assert not found, f"{where} shows {', '.join(found)}"
