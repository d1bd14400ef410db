"""The browser playground: a chat channel with threads served as a local web page.

A third chat adapter beside Slack and Teams, sharing nothing with them: what a person does on
the page is posted as JSON (`endpoint.py`), stored through the intake port like any platform
delivery, and translated into engine events when the inbox worker gets to it (`inbound.py`,
`translate.py`); the effects come back through the chat port (`chat.py`) as JSON records
(`render.py`) that the hub (`hub.py`) pushes to every open tab over server-sent events.

A person on the page is whoever they say they are: the name picked on the page is a simulated
identity, nothing authenticates it. The playground is for trying the bot on one machine and is
served on a loopback address only (`bot/playground.py` refuses any other).
"""

from adapters.web.chat import WebChat
from adapters.web.endpoint import web_routes
from adapters.web.hub import Hub
from adapters.web.inbound import WebDecoder
from adapters.web.mailbox import Mailbox

__all__ = ["Hub", "Mailbox", "WebChat", "WebDecoder", "web_routes"]
