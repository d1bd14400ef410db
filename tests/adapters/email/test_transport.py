"""Delivery over real SMTP (aiosmtpd on loopback) and to the file sink."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.email.transport import DeliveryError, FileSink, SmtpTransport
from tests.adapters.email.smtp_server import free_port, smtp_server

MESSAGE = (
    b"Message-ID: <abc@example.com>\r\nFrom: ir@example.com\r\n"
    b"To: CISA.JCDC@cisa.dhs.gov\r\nSubject: TLP:CLEAR - test\r\n\r\nTLP:CLEAR\r\nhi\r\n"
)


async def test_smtp_delivers_the_exact_message() -> None:
    with smtp_server() as (server, port):
        transport = SmtpTransport(host="127.0.0.1", port=port, tls="none")
        where = await transport.send(MESSAGE, "ir@example.com", ["CISA.JCDC@cisa.dhs.gov"])
    assert where == f"SMTP 127.0.0.1:{port}"
    (received,) = server.received
    assert received.sender == "ir@example.com"
    assert received.recipients == ["CISA.JCDC@cisa.dhs.gov"]
    assert received.message["Message-ID"] == "<abc@example.com>"


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("451 4.3.0 Mailbox busy, try later", False),
        ("554 5.7.1 Rejected by policy", True),
    ],
)
async def test_refusals_are_sorted_into_temporary_and_permanent(
    reply: str, permanent: bool
) -> None:
    with smtp_server() as (server, port):
        server.refuse_with = reply
        transport = SmtpTransport(host="127.0.0.1", port=port, tls="none")
        with pytest.raises(DeliveryError) as raised:
            await transport.send(MESSAGE, "ir@example.com", ["CISA.JCDC@cisa.dhs.gov"])
    assert raised.value.permanent is permanent
    assert reply.split(" ", 1)[0] in raised.value.reason


async def test_unreachable_relay_is_temporary() -> None:
    transport = SmtpTransport(host="127.0.0.1", port=free_port(), tls="none", timeout=5)
    with pytest.raises(DeliveryError) as raised:
        await transport.send(MESSAGE, "ir@example.com", ["CISA.JCDC@cisa.dhs.gov"])
    assert raised.value.permanent is False
    assert "could not reach" in raised.value.reason


async def test_file_sink_writes_the_eml_named_after_its_message_id(tmp_path: Path) -> None:
    where = await FileSink(tmp_path / "outbox").send(MESSAGE, "ir@example.com", [])
    assert Path(where) == tmp_path / "outbox" / "abc@example.com.eml"
    assert Path(where).read_bytes() == MESSAGE  # noqa: ASYNC240 - a test reading its tmp file
