"""Persistence: tables, migrations, the report store, the inbox and the outboxes."""
