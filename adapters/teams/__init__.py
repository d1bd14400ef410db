"""Microsoft Teams on the Microsoft 365 Agents SDK: pure translators (translate.py: activities
→ events; cards.py: effects → Adaptive Cards), the SDK behind typed functions (framework.py,
the only module importing it), the token checks (auth.py), the service URL allow-list
(service_urls.py), the chat port (chat.py), the aiohttp endpoint (endpoint.py: authenticated
activities into the inbox), the decoder of stored activities (inbound.py) and the app package
(package.py).

Wiring, in bot/:

    settings = TeamsSettings.from_environment(os.environ)
    framework = BotFramework(settings)
    conversations = TeamsConversations(database)          # storage.teams_conversations
    chat = TeamsChat(framework, conversations)             # the runner's "teams" ChatPort
    runner = TurnRunner(store, {"teams": chat, ...}, checklist, policy)
    decoders["teams"] = TeamsDecoder(conversations)        # for bot.inbox_worker
    endpoint = TeamsEndpoint(framework, intake)            # bot.intake.StoringIntake
    app.add_routes(teams_routes(endpoint))                 # POST /api/messages
    await framework.start()                                # keys and token, ahead of time
    ...
    await framework.close()                                # on shutdown
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
