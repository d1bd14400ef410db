"""The report as a document: assembly (contributions → one report with attribution, conflicts
and completeness) and its renderings (Markdown, plain text, HTML, JSON).

Pure, like the engine: it imports only `conversations/`, performs no I/O and reads no clock, so
chat adapters and the e-mail builder can render a report without knowing storage exists.
"""
