"""Persistence: tables, migrations, the report store, and report assembly and rendering."""
