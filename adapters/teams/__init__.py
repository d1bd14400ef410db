"""Microsoft Teams on the Microsoft 365 Agents SDK: pure translators (translate.py: activities
→ events; cards.py: effects → Adaptive Cards), the SDK behind typed functions (framework.py,
the only module importing it), the token checks (auth.py), the service URL allow-list
(service_urls.py), the chat port (chat.py), the aiohttp endpoint (endpoint.py: authenticated
activities into the inbox), the decoder of stored activities (inbound.py), the conversation
references (references.py) and the app package (package.py).

Wiring, in bot/teams_side.py and bot/server.py:

    framework = BotFramework(TeamsSettings(app_id=..., app_password=..., tenant_id=...))
    store = ReportStore(database)                          # storage.repository
    chat = TeamsChat(framework, store.addresses.teams_conversations)
                                                           # ConversationReferences port
    runner = TurnRunner(store, {"teams": chat, ...}, checklist, policy)
    decoders["teams"] = TeamsDecoder()                     # for bot.inbox_worker
    endpoint = TeamsEndpoint(framework, intake)            # bot.intake.StoringIntake
    app.add_routes(teams_routes(endpoint))                 # POST /api/messages
    await framework.start()                                # keys and token, ahead of time
    ...
    await framework.close()                                # on shutdown

The references an activity brings ride on its event as addresses (references.py) and are
saved in its turn's transaction; the chat reads them back through `ConversationReferences`.
"""

from adapters.teams.chat import TeamsChat
from adapters.teams.endpoint import MESSAGES_PATH, TeamsEndpoint, teams_routes
from adapters.teams.framework import BotFramework, TeamsSettings
from adapters.teams.package import build_package, write_package

__all__ = [
    "MESSAGES_PATH",
    "BotFramework",
    "TeamsChat",
    "TeamsEndpoint",
    "TeamsSettings",
    "build_package",
    "teams_routes",
    "write_package",
]
