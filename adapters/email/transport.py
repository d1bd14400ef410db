"""Delivering a message: to an SMTP relay (aiosmtplib), or as an .eml file when none is set.

Failures are sorted into temporary (try again later: the relay is down, busy, or answered 4xx)
and permanent (a 5xx answer: retrying would only repeat it).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Literal, Protocol

import aiosmtplib

TlsMode = Literal["starttls", "tls", "none"]


class DeliveryError(Exception):
    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class PlaintextAuthRefused(ValueError):
    """SMTP AUTH was asked for over a connection without TLS, and not explicitly allowed."""


class Transport(Protocol):
    async def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        """Deliver; return a short description of where it went."""
        ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    tls: TlsMode = "starttls"
    username: str | None = None
    # Out of repr: the transport is logged and shown in tracebacks like any other object.
    password: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    # Tests point this at a throwaway CA; production uses the system's trust store.
    tls_context: ssl.SSLContext | None = None
    # AUTH over tls="none" puts the credentials on the wire in clear text (PLAIN and LOGIN are
    # only base64): only when whoever configures it says the path to the relay is trusted.
    allow_plaintext_auth: bool = False

    def __post_init__(self) -> None:
        credentials = self.username or self.password
        if self.tls == "none" and credentials and not self.allow_plaintext_auth:
            raise PlaintextAuthRefused(
                f"refusing to send SMTP credentials to {self.host}:{self.port} without TLS "
                "(SMTP_TLS=none); use starttls or tls, or allow plaintext AUTH explicitly "
                "(SMTP_ALLOW_PLAINTEXT_AUTH=true)"
            )

    async def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        try:
            await aiosmtplib.send(
                message,
                sender=sender,
                recipients=recipients,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout,
                tls_context=self.tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            raise DeliveryError(
                "the relay refused "
                + "; ".join(f"{r.recipient} ({r.code} {r.message})" for r in error.recipients),
                permanent=all(code >= 500 for code in codes),
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            raise DeliveryError(
                f"the relay answered {error.code} {error.message}", permanent=error.code >= 500
            ) from error
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"could not reach {self.host}:{self.port} ({error})", permanent=False
            ) from error
        return f"SMTP {self.host}:{self.port}"


@dataclass(frozen=True)
class FileSink:
    """Writes each message as an .eml file: the feature works before a relay is configured."""

    directory: Path

    async def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        parsed_id = _message_id_of(message)
        path = self.directory / f"{_file_safe(parsed_id)}.eml"
        path.write_bytes(message)
        return str(path)


def _message_id_of(message: bytes) -> str:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(message)
    return str(headers.get("Message-ID", "")).strip() or "message"


def _file_safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in text.strip("<>"))[:120]
