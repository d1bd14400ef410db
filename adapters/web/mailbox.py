"""The e-mails the bot "sent" while no relay is configured: the `.eml` files of the outbox
folder, read back for the page (headers, TLP, the HTML part, the attachments by name).

Read with the standard library's parser only; the page shows the HTML part in a sandboxed
frame (no scripts, no same-origin), so even a report's own HTML cannot reach the page.
"""

from __future__ import annotations

import asyncio
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

# The newest this many messages are shown; an outbox folder of a long-used playground may
# hold many more.
SHOWN = 20
# Files larger than this are listed without their body (a playground report is ~100 kB).
MAX_BYTES = 5 * 1024 * 1024


class Mailbox:
    def __init__(self, directory: Path | None) -> None:
        """`directory`: the outbox folder; None when mail goes to an SMTP relay."""
        self.directory = directory

    async def messages(self) -> list[dict[str, Any]]:
        if self.directory is None:
            return []
        return await asyncio.to_thread(self._read_all, self.directory)

    @staticmethod
    def _read_all(directory: Path) -> list[dict[str, Any]]:
        if not directory.is_dir():
            return []
        files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [read_message(path) for path in files[:SHOWN]]


def read_message(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    shown: dict[str, Any] = {"file": path.name, "size": size}
    if size > MAX_BYTES:
        return {**shown, "error": "too large to show"}
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    return {
        **shown,
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "cc": str(message.get("Cc", "")),
        "date": str(message.get("Date", "")),
        "message_id": str(message.get("Message-ID", "")),
        "tlp": str(message.get("X-TLP", "")),
        "html": html.get_content() if html is not None else "",
        "text": text.get_content() if text is not None else "",
        # An S/MIME-encrypted message has neither: the page says it is encrypted.
        "encrypted": message.get_content_type() == "application/pkcs7-mime",
        "attachments": [
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(part.get_payload(decode=True) or b""),
            }
            for part in message.iter_attachments()
        ],
    }
