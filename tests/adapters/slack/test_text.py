"""Slack's markup is undone before answers reach the engine."""

from __future__ import annotations

import pytest

from adapters.slack.text import to_typed_text


@pytest.mark.parametrize(
    ("arrived", "typed"),
    [
        ("<http://evil.com|evil.com>", "evil.com"),
        ("<https://x.example/a?b=1&amp;c=2>", "https://x.example/a?b=1&c=2"),
        ("hxxp://evil[.]com", "hxxp://evil[.]com"),
        ("<mailto:a@example.com|a@example.com>", "a@example.com"),
        ("ask <@U0BOB|bob> or <@U0CARA>", "ask @bob or @U0CARA"),
        ("see <#C0INC|incident-4711>", "see #incident-4711"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S0SEC|@security>", "@security"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        ("if a &lt; b &amp;&amp; c &gt; d", "if a < b && c > d"),
        ("&amp;lt; stays literal", "&lt; stays literal"),
        ("1.2.3.4 and <http://1.2.3.4|1.2.3.4>", "1.2.3.4 and 1.2.3.4"),
        ("", ""),
    ],
)
def test_markup_becomes_what_was_typed(arrived: str, typed: str) -> None:
    assert to_typed_text(arrived) == typed
