"""The Teams app package and its manifest."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from adapters.teams.package import TEMPLATE_DIR, build_package, manifest, write_package
from adapters.teams.translate import ADD_TO_REPORT_COMMAND

APP_ID = "6f0e3b52-54f4-4b9e-8c0b-2f8a1d9e7c44"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_package_has_the_three_files_and_the_ids_filled(tmp_path: Path) -> None:
    path = write_package(APP_ID, tmp_path / "jcdc-teams.zip", version="1.2.3")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(archive.read("manifest.json"))
        assert png_size(archive.read("color.png")) == (192, 192)
        assert png_size(archive.read("outline.png")) == (32, 32)
    assert data["id"] == APP_ID
    assert data["version"] == "1.2.3"
    assert data["bots"][0]["botId"] == APP_ID
    assert data["webApplicationInfo"]["id"] == APP_ID
    assert "{{" not in json.dumps(data)


def test_manifest_declares_scopes_commands_and_rsc() -> None:
    data = json.loads(manifest(APP_ID))
    assert float(data["manifestVersion"]) >= 1.16
    assert data["$schema"].endswith(f"v{data['manifestVersion']}/MicrosoftTeams.schema.json")
    (bot,) = data["bots"]
    assert set(bot["scopes"]) == {"team", "personal", "groupChat"}
    (commands,) = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == [
        "new",
        "status",
        "preview",
        "send",
        "help",
    ]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in data["authorization"][
        "permissions"
    ]["resourceSpecific"]
    assert len(data["name"]["short"]) <= 30
    assert len(data["description"]["short"]) <= 80
    assert len(data["description"]["full"]) <= 4000


def test_manifest_offers_add_to_report_on_messages() -> None:
    data = json.loads(manifest(APP_ID))
    (extension,) = data["composeExtensions"]
    assert extension["botId"] == APP_ID
    (command,) = extension["commands"]
    assert command["id"] == ADD_TO_REPORT_COMMAND
    assert command["type"] == "action"
    assert command["context"] == ["message"]
    assert command["fetchTask"] is True
    assert command["title"] == "Add to JCDC report"
    # The schema's limits: a title of at most 32 characters, a description of at most 128.
    assert len(command["title"]) <= 32
    assert len(command["description"]) <= 128


def test_outline_icon_is_white_on_transparent() -> None:
    # The checked-in icons are what make_icons.py draws; the outline uses two colours only.
    data = (TEMPLATE_DIR / "outline.png").read_bytes()
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    raw = zlib.decompress(data[start : start + length])
    pixels = {
        bytes(raw[row * 129 + 1 + 4 * x : row * 129 + 5 + 4 * x])
        for row in range(32)
        for x in range(32)
    }
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_same_inputs_same_bytes_and_bad_ids_refused() -> None:
    assert build_package(APP_ID) == build_package(APP_ID)
    with pytest.raises(ValueError, match="not a Microsoft app id"):
        build_package("my-bot")
    assert zipfile.ZipFile(io.BytesIO(build_package(APP_ID))).testzip() is None
