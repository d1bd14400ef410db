"""The report as a document: assembly (contributions → one report with attribution, conflicts
and completeness) and its renderings (Markdown, plain text, HTML, JSON), the STIX 2.1 bundle
with TLP 2.0 markings (`documents.stix`) and the CISA form arrangement (`documents.cisa`).

Pure, like the engine: it imports only `conversations/` (and the stix2 library), performs no
I/O and reads no clock, so chat adapters and the e-mail builder can render a report without
knowing storage exists.
"""
