"""Golden files: rendered output compared with a reviewed copy kept beside the test.

After a deliberate change, regenerate with `UPDATE_GOLDEN=1` and review the diff: the files
are the record of what people and JCDC will see.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def as_json(content: Any) -> str:
    """The stable text of JSON content: sorted keys, indented, one final newline."""
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def check_golden(golden: Path, rendered: str) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, "utf-8")
    assert rendered == golden.read_text("utf-8"), f"{golden.name} differs from its golden file"
