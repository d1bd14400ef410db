"""The Teams app package: manifest.json with the bot's app id filled in, and the two icons,
zipped at the top level as Teams' "Upload a custom app" expects (`jcdc-bot teams-package`)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "teams"
FILES = ("manifest.json", "color.png", "outline.png")
# Zip entries get this time, so the same inputs always make the same bytes.
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def manifest(app_id: str, version: str = "1.0.0", template_dir: Path = TEMPLATE_DIR) -> str:
    """The manifest with its placeholders filled; the app id must be the bot's GUID."""
    try:
        canonical = str(uuid.UUID(app_id))
    except ValueError:
        raise ValueError(f"{app_id!r} is not a Microsoft app id (a GUID)") from None
    text = (template_dir / "manifest.json").read_text("utf-8")
    filled = text.replace("{{MicrosoftAppId}}", canonical).replace("{{Version}}", version)
    json.loads(filled)  # a template edit that breaks the JSON fails here, not in Teams
    return filled


def build_package(app_id: str, version: str = "1.0.0", template_dir: Path = TEMPLATE_DIR) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            data = (
                manifest(app_id, version, template_dir).encode()
                if name == "manifest.json"
                else (template_dir / name).read_bytes()
            )
            archive.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_package(app_id: str, out: Path, version: str = "1.0.0") -> Path:
    out.write_bytes(build_package(app_id, version))
    return out
