"""Slack on slack_sdk: pure payload shapes and translators (shapes.py, translate.py: payloads
→ events; blocks.py, text.py: effects → Block Kit and mrkdwn), what a signed request becomes
before it is answered (deliveries.py: dropped, a modal's field errors, or stored), the one
endpoint `POST /slack/events` (http.py: the signature checked once, on the raw bytes) and
Socket Mode (socket_mode.py), both answering through deliveries.py; stored deliveries →
events (inbound.py, with display names from people.py), the Web API clients (clients.py),
each channel's workspace (workspaces.py: the address deliveries bring and the
`ChannelDirectory` port), the chat port (chat.py), and the wiring (setup.py: scopes, OAuth
install flow, Socket Mode). Bolt is used for its OAuth flow only, never to verify or dispatch.

Wiring, in bot/slack_side.py and bot/server.py:

    side = slack_side(SlackSettings(...), store.database.engine,
                      store.addresses.slack_channels, intake, check_form)
    runner = TurnRunner(store, {"slack": side.chat, ...}, checklist, policy)
    decoders["slack"] = side.decoder                       # for bot.inbox_worker
    app.router.add_routes(side.routes())                   # POST /slack/events (+ OAuth)
    await side.create_tables()                             # slack_sdk's OAuth tables
    socket = await side.connect_socket()                   # `serve --socket-mode` instead
"""
