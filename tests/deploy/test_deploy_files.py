"""The compose file and the Helm chart name only settings the bot reads, and keep the
hardening the README promises. (Building and running them is .ci/deploy-checks' job.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices

from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Read by the image's own settings or by the stand-in services, not by Settings.
NOT_SETTINGS = {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"}


def _setting_names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
    return names


def _yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_bot_locked_down_after_its_migration() -> None:
    compose = _yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert set(services) == {"db", "mail", "migrate", "bot"}
    for name in ("migrate", "bot"):
        service = services[name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert set(service["environment"]) <= _setting_names()
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_env_example_names_real_settings() -> None:
    names = set()
    for line in (DEPLOY / "env.example").read_text().splitlines():
        line = line.lstrip("#").strip()
        if "=" in line and " " not in line.split("=", 1)[0]:
            names.add(line.split("=", 1)[0])
    assert names
    assert names - NOT_SETTINGS <= _setting_names()


def test_chart_values_name_real_settings() -> None:
    values = _yaml(DEPLOY / "helm" / "jcdc-bot" / "values.yaml")
    ci_values = _yaml(DEPLOY / "helm" / "ci-values.yaml")
    assert set(values["secrets"]) <= _setting_names()
    assert set(values["config"]) | set(ci_values["config"]) <= _setting_names()
    assert values["database"]["url"] == ""  # no default: rendering must fail without one


def test_the_image_installs_the_lock_with_hashes() -> None:
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "USER 10001:10001" in dockerfile
    assert 'ENTRYPOINT ["jcdc-bot"]' in dockerfile
