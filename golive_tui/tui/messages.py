"""Messages from probe workers to the UI."""

from __future__ import annotations

from textual.message import Message

from ..engine import ItemResult


class ProbeStarted(Message):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__()


class ProbeFinished(Message):
    def __init__(self, outcome: ItemResult) -> None:
        self.outcome = outcome
        super().__init__()


class ProbeRunEnded(Message):
    def __init__(self, keys: list[str], cancelled: bool) -> None:
        self.keys = keys
        self.cancelled = cancelled
        super().__init__()
