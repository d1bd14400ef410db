"""Renderings of an assembled report: Markdown (chat preview, attachment), plain text, HTML,
JSON.

Every rendering is a pure function of the AssembledReport, so the same report always renders
to the same bytes (golden files in the tests hold them to that).
"""

from documents.rendering.html import render_html
from documents.rendering.json import render_json
from documents.rendering.markdown import render_markdown
from documents.rendering.text import render_text

__all__ = ["render_html", "render_json", "render_markdown", "render_text"]
