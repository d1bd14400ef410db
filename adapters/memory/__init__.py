"""An in-process chat platform: the demo's stage and the reference adapter for tests."""

from adapters.memory.chat import MemoryChat, TranscriptLine

__all__ = ["MemoryChat", "TranscriptLine"]
