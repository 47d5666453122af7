"""Messages from probe workers to the UI."""

from __future__ import annotations

from textual.message import Message

from ..engine import ItemResult


class ProbeFinished(Message):
    """One item's (merged) probe result, posted by the worker as soon as it is known."""

    def __init__(self, outcome: ItemResult) -> None:
        self.outcome = outcome
        super().__init__()


class ProbeRunEnded(Message):
    """A worker's run is over (finished or cancelled): its items stop spinning."""

    def __init__(self, keys: list[str], cancelled: bool) -> None:
        self.keys = keys
        self.cancelled = cancelled
        super().__init__()
