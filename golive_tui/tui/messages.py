"""Messages to the UI: the session loaded (from the loader worker), the cockpit state changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..session import Session


class SessionLoaded(Message):
    """The loader worker validated the checklist, profile and state: the cockpit can start."""

    def __init__(self, session: Session) -> None:
        self.session = session
        super().__init__()


class CockpitChanged(Message):
    """The cockpit state changed: a page redraws what `Cockpit.changes_since` its last drawing says.

    It carries nothing, so a burst of changes (results landing 4 at a time) is one redraw.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CockpitChanged)
