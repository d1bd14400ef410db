"""JCDC_APPROVERS names people as platform:workspace:user; bare ids are refused at load."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from conversations.people import PersonKey


def test_approvers_are_full_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "JCDC_APPROVERS",
        "slack:T0123:U0456, teams:72f988bf-86f1-41af-91ab-2d7cd011db47:29:1abc,,",
    )
    assert Settings().policy().approvers == frozenset(
        {
            PersonKey("slack", "T0123", "U0456"),
            PersonKey("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "29:1abc"),
        }
    )


def test_no_approvers_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JCDC_APPROVERS", raising=False)
    assert Settings().policy().approvers == frozenset()


@pytest.mark.parametrize("bare", ["U0456", "29:1abc"])
def test_a_bare_user_id_is_refused_naming_the_entry_and_the_form(
    monkeypatch: pytest.MonkeyPatch, bare: str
) -> None:
    monkeypatch.setenv("JCDC_APPROVERS", f"slack:T0123:U0111,{bare}")
    with pytest.raises(ValidationError) as raised:
        Settings()
    message = str(raised.value)
    assert "JCDC_APPROVERS" in message
    assert repr(bare) in message
    assert "platform:workspace:user" in message
