"""SMTP credentials never travel unencrypted by accident: SMTP_TLS=none with a username or
password is refused unless explicitly allowed, and when allowed it really authenticates
(against aiosmtpd on loopback, which checks the credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from adapters.email.transport import PlaintextAuthRefused, SmtpTransport, TlsMode
from bot.config_error import ConfigError
from bot.settings import load_settings
from bot.wiring import transport_from
from tests.adapters.email.smtp_server import RecordingHandler, free_port

USERNAME = "jcdc-relay"
PASSWORD = "smtp-pw-not-in-repr-5d2e"
MESSAGE = (
    b"Message-ID: <auth@example.com>\r\nFrom: ir@example.com\r\n"
    b"To: CISA.JCDC@cisa.dhs.gov\r\nSubject: TLP:CLEAR - auth\r\n\r\nTLP:CLEAR\r\nhi\r\n"
)


@contextmanager
def authenticating_relay() -> Iterator[tuple[RecordingHandler, list[tuple[str, str]], int]]:
    """A relay that offers AUTH without TLS and checks the credentials; `logins` records each
    attempt (a client that skipped AUTH would leave it empty)."""
    handler = RecordingHandler()
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login.decode(), auth.password.decode()))
        return AuthResult(
            success=(auth.login.decode(), auth.password.decode()) == (USERNAME, PASSWORD)
        )

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, logins, controller.port
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("username", "password"), [(USERNAME, PASSWORD), (USERNAME, None), (None, PASSWORD)]
)
def test_credentials_without_tls_are_refused(username: str | None, password: str | None) -> None:
    with pytest.raises(PlaintextAuthRefused, match="SMTP_ALLOW_PLAINTEXT_AUTH=true") as refused:
        SmtpTransport(
            host="relay.example", port=25, tls="none", username=username, password=password
        )
    assert PASSWORD not in str(refused.value)


@pytest.mark.parametrize("tls", ["starttls", "tls"])
def test_credentials_over_tls_need_no_permission(tls: TlsMode) -> None:
    transport = SmtpTransport(
        host="relay.example", port=587, tls=tls, username=USERNAME, password=PASSWORD
    )
    assert transport.password == PASSWORD
    assert PASSWORD not in repr(transport)


async def test_plaintext_auth_works_when_explicitly_allowed() -> None:
    with authenticating_relay() as (handler, logins, port):
        transport = SmtpTransport(
            host="127.0.0.1",
            port=port,
            tls="none",
            username=USERNAME,
            password=PASSWORD,
            allow_plaintext_auth=True,
            timeout=10,
        )
        await transport.send(MESSAGE, "ir@example.com", ["CISA.JCDC@cisa.dhs.gov"])
    assert logins == [(USERNAME, PASSWORD)]
    assert [r.message["Message-ID"] for r in handler.received] == ["<auth@example.com>"]
    assert PASSWORD not in repr(transport)


def _smtp_environment(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    for name, value in {
        "SMTP_HOST": "relay.example",
        "SMTP_TLS": "none",
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": PASSWORD,
        **extra,
    }.items():
        monkeypatch.setenv(name, value)


def test_the_settings_refuse_it_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_environment(monkeypatch)
    with pytest.raises(ConfigError, match="SMTP_ALLOW_PLAINTEXT_AUTH=true") as refused:
        load_settings()
    assert PASSWORD not in str(refused.value)


def test_the_settings_allow_it_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_environment(monkeypatch, SMTP_ALLOW_PLAINTEXT_AUTH="true")
    transport = transport_from(load_settings())
    assert isinstance(transport, SmtpTransport)
    assert (transport.tls, transport.username, transport.password) == ("none", USERNAME, PASSWORD)
    assert transport.allow_plaintext_auth
    assert PASSWORD not in repr(transport)
