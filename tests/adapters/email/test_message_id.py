"""One Message-ID rule for every e-mail the bot builds."""

from __future__ import annotations

from adapters.email.message_id import FALLBACK_DOMAIN, message_id_domain, new_message_id


def test_the_id_is_in_the_senders_domain_and_names_the_report() -> None:
    found = new_message_id("jcdc-bot@example.org", "jcdc.ab12cd.v3")
    assert found.startswith("<")
    assert found.endswith("@example.org>")
    assert ".jcdc.ab12cd.v3@" in found


def test_a_sender_without_a_domain_gets_the_reserved_one() -> None:
    assert message_id_domain("jcdc-bot") == FALLBACK_DOMAIN
    assert message_id_domain("jcdc-bot@") == FALLBACK_DOMAIN
    assert new_message_id("jcdc-bot").endswith(f"@{FALLBACK_DOMAIN}>")


def test_two_ids_never_collide() -> None:
    ids = {new_message_id("a@example.org", "same") for _ in range(1000)}
    assert len(ids) == 1000
