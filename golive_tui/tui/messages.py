"""Messages from workers to the UI (the session loaded, a probe result, a run's end)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from ..engine import ItemResult
    from ..sweep import Sweep


class SessionLoaded(Message):
    """The loader worker validated the checklist, profile and state: the cockpit can start."""

    def __init__(self, session: Any) -> None:
        self.session = session
        super().__init__()


class ProbeFinished(Message):
    """One item's (merged) probe result, posted by the worker as soon as it is known."""

    def __init__(self, outcome: ItemResult, sweep: Sweep | None) -> None:
        self.outcome = outcome
        self.sweep = sweep
        super().__init__()


class ProbeRunEnded(Message):
    """A worker's run is over (finished or cancelled): its items stop spinning."""

    def __init__(self, keys: list[str], cancelled: bool, sweep: Sweep | None) -> None:
        self.keys = keys
        self.cancelled = cancelled
        self.sweep = sweep
        super().__init__()
