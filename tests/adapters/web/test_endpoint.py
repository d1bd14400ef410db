"""The playground's HTTP side: what it stores, what it refuses, what it streams and shows."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.intake import Delivery, Unavailable
from adapters.web import Hub, Mailbox
from adapters.web.endpoint import CSP, WebEndpoint, web_routes


class Recording:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.accepted: list[Delivery] = []

    async def accept(self, delivery: Delivery) -> None:
        if self.fail:
            raise Unavailable("database down")
        self.accepted.append(delivery)


async def client_for(endpoint: WebEndpoint) -> TestClient[Any, Any]:
    app = web.Application()
    app.router.add_routes(web_routes(endpoint))
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


def say(text: str, name: str = "Bob", delivery_id: str = "d1", **more: Any) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "person": {"name": name},
        "channel": "c",
        "type": "say",
        "text": text,
        **more,
    }


async def test_a_message_is_stored_then_shown_and_a_command_is_not_shown() -> None:
    intake, hub = Recording(), Hub()
    client = await client_for(WebEndpoint(hub, intake, Mailbox(None)))
    try:
        response = await client.post("/api/deliveries", json=say("hello", thread="root-1"))
        assert response.status == 202
        response = await client.post("/api/deliveries", json=say("/jcdc status", delivery_id="d2"))
        assert response.status == 202
        assert [d.delivery_id for d in intake.accepted] == ["d1", "d2"]
        assert [(r["kind"], r["text"]) for r in hub.records()] == [("said", "hello")]
        assert hub.people() == ["Bob"]
    finally:
        await client.close()


async def test_bad_bodies_are_4xx_and_nothing_is_stored() -> None:
    intake, hub = Recording(), Hub()
    client = await client_for(WebEndpoint(hub, intake, Mailbox(None)))
    try:
        for raw in (b"{", b"[]", b'{"type": "say"}', json.dumps(say("x", thread="a b")).encode()):
            response = await client.post("/api/deliveries", data=raw)
            assert response.status == 400, raw
            assert "error" in await response.json()
        response = await client.post("/api/deliveries", data=b" " * (300 * 1024))
        assert response.status == 413
        assert intake.accepted == []
        assert hub.records() == []
    finally:
        await client.close()


async def test_only_its_author_edits_or_deletes_a_message() -> None:
    intake, hub = Recording(), Hub()
    client = await client_for(WebEndpoint(hub, intake, Mailbox(None)))
    try:
        await client.post("/api/deliveries", json=say("mine", name="Bob", thread="r"))
        edit = {**say("", name="Cara", delivery_id="d2"), "type": "edit"}
        edit.update(thread="r", message_id="d1", text="hijacked")
        response = await client.post("/api/deliveries", json=edit)
        assert response.status == 403
        edit.update(person={"name": "bob"}, id="d3", text="mine, edited")
        response = await client.post("/api/deliveries", json=edit)
        assert response.status == 202
        record = hub.get("d1")
        assert record is not None
        assert (record["text"], record["edited"]) == ("mine, edited", True)
        assert len(intake.accepted) == 2
    finally:
        await client.close()


async def test_not_stored_is_a_503_and_nothing_is_shown() -> None:
    hub = Hub()
    client = await client_for(WebEndpoint(hub, Recording(fail=True), Mailbox(None)))
    try:
        response = await client.post("/api/deliveries", json=say("hello", thread="r"))
        assert response.status == 503
        assert hub.records() == []
    finally:
        await client.close()


async def test_the_stream_sends_a_snapshot_then_what_this_person_may_see() -> None:
    hub = Hub()
    hub.publish({"id": "p1", "kind": "post", "thread": None, "spans": []})
    hub.publish({"id": "n1", "kind": "notice", "thread": None, "to": "person:cara"})
    client = await client_for(WebEndpoint(hub, Recording(), Mailbox(None), keepalive=0.05))
    try:
        response = await client.get("/api/stream", params={"person": "Bob"})
        assert response.headers["Content-Type"] == "text/event-stream"
        first = json.loads((await response.content.readline()).decode().removeprefix("data: "))
        assert first["op"] == "snapshot"
        assert [r["id"] for r in first["records"]] == ["p1"]
        await response.content.readline()  # the blank line ending the event
        hub.publish({"id": "n2", "kind": "notice", "thread": None, "to": "person:cara"})
        hub.publish({"id": "n3", "kind": "notice", "thread": None, "to": "person:bob"})
        seen: list[str] = []
        while not any(line.startswith("data:") for line in seen):
            line = (await response.content.readline()).decode()
            if line.strip():
                seen.append(line)
        (put,) = [json.loads(line.removeprefix("data: ")) for line in seen if line[0] == "d"]
        # Cara's notice never reached Bob's stream; a quiet stream hears keepalives.
        assert put["record"]["id"] == "n3"
        line = ""
        while not line.strip():
            line = (await response.content.readline()).decode()
        assert line.strip() == ": keepalive"
        response.close()
        bad = await client.get("/api/stream")
        assert bad.status == 400
    finally:
        await client.close()


async def test_the_page_is_served_with_a_policy_that_fetches_nothing_elsewhere() -> None:
    client = await client_for(WebEndpoint(Hub(), Recording(), Mailbox(None), {"mail": "folder"}))
    try:
        page = await client.get("/")
        assert page.status == 200
        assert page.headers["Content-Security-Policy"] == CSP
        html = await page.text()
        assert "/static/app.js" in html
        assert "http" not in html.replace("http-equiv", "")
        for name in ("app.js", "style.css"):
            assert (await client.get(f"/static/{name}")).status == 200
        assert (await client.get("/static/../endpoint.py")).status == 404
        assert (await client.get("/static/secrets.txt")).status == 404
        assert await (await client.get("/api/info")).json() == {"mail": "folder"}
    finally:
        await client.close()


async def test_the_outbox_folder_is_shown_with_html_tlp_and_attachments(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "TLP:AMBER JCDC report: X"
    message["To"] = "CISA.JCDC@cisa.dhs.gov"
    message["Message-ID"] = "<m1@example>"
    message["X-TLP"] = "TLP:AMBER"
    message.set_content("TLP:AMBER text")
    message.add_alternative("<p>TLP:AMBER html</p>", subtype="html")
    message.add_attachment(b'{"a": 1}', maintype="application", subtype="json", filename="r.json")
    (tmp_path / "m1.eml").write_bytes(message.as_bytes())
    (tmp_path / "notes.txt").write_text("not mail")
    client = await client_for(WebEndpoint(Hub(), Recording(), Mailbox(tmp_path)))
    try:
        (shown,) = (await (await client.get("/api/mail")).json())["messages"]
        assert shown["tlp"] == "TLP:AMBER"
        assert shown["subject"] == "TLP:AMBER JCDC report: X"
        assert shown["html"].strip() == "<p>TLP:AMBER html</p>"
        assert shown["attachments"] == [
            {"filename": "r.json", "content_type": "application/json", "size": 8}
        ]
        assert shown["encrypted"] is False
    finally:
        await client.close()
    assert await Mailbox(None).messages() == []
    assert await Mailbox(tmp_path / "missing").messages() == []
