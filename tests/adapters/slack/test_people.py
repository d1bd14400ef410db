"""Display names come from users.info once per person, and unknown people are not asked about
on every turn."""

from __future__ import annotations

from adapters.slack.clients import web_client
from adapters.slack.people import PeopleDirectory
from conversations.events import MessagePosted
from conversations.state import Actor
from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack.fake_slack import BOT_TOKEN, fake_slack


def _posted(user: str, name: str) -> MessagePosted:
    return MessagePosted(
        event_id="e",
        platform="slack",
        channel="C1",
        thread="1.1",
        actor=Actor(id=user, name=name),
        message_id="2.2",
        text="hi",
    )


async def test_names_are_looked_up_once_and_unknown_people_keep_their_id() -> None:
    async with fake_slack(users={"U0BOB": "Bob Builder"}) as fake:
        client = web_client(BOT_TOKEN, fake.url)
        people = PeopleDirectory()
        for _ in range(3):
            named = await people.named(_posted("U0BOB", "U0BOB"), client)
            assert named.actor == Actor(id="U0BOB", name="Bob Builder")
            unknown = await people.named(_posted("U0GHOST", "ghost"), client)
            assert unknown.actor == Actor(id="U0GHOST", name="ghost")
        asked = [c.args["user"] for c in fake.of("users.info")]
        assert asked == ["U0BOB", "U0GHOST"]


async def test_unknown_people_are_asked_about_again_after_a_while() -> None:
    async with fake_slack() as fake:
        client = web_client(BOT_TOKEN, fake.url)
        people = PeopleDirectory(unknown_ttl_seconds=0.0)
        await people.named(_posted("U0NEW", "new"), client)
        fake.users["U0NEW"] = "Newcomer"
        named = await people.named(_posted("U0NEW", "new"), client)
        assert named.actor.name == "Newcomer"


async def test_an_unreachable_slack_leaves_the_id_and_the_turn_goes_on() -> None:
    client = web_client(BOT_TOKEN, f"http://127.0.0.1:{free_port()}/api/")
    named = await PeopleDirectory().named(_posted("U0BOB", "bob"), client)
    assert named.actor == Actor(id="U0BOB", name="bob")


async def test_the_time_zone_comes_with_the_name_and_is_cached_with_it() -> None:
    async with fake_slack(
        users={"U0BOB": "Bob", "U0EVE": "Eve"}, zones={"U0BOB": "Asia/Tokyo"}
    ) as fake:
        client = web_client(BOT_TOKEN, fake.url)
        people = PeopleDirectory()
        for _ in range(2):
            bob = await people.named(_posted("U0BOB", "U0BOB"), client)
            assert bob.tz == "Asia/Tokyo"
            assert bob.actor.name == "Bob"
            # No zone in the profile: the event says nothing, and times are read as UTC.
            eve = await people.named(_posted("U0EVE", "U0EVE"), client)
            assert eve.tz is None
        assert [c.args["user"] for c in fake.of("users.info")] == ["U0BOB", "U0EVE"]


async def test_a_zone_already_on_the_event_is_kept() -> None:
    async with fake_slack(users={"U0BOB": "Bob"}, zones={"U0BOB": "Asia/Tokyo"}) as fake:
        client = web_client(BOT_TOKEN, fake.url)
        event = _posted("U0BOB", "Bob").model_copy(update={"tz": "Europe/Paris"})
        assert (await PeopleDirectory().named(event, client)).tz == "Europe/Paris"
