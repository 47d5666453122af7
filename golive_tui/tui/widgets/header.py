"""The header line (badge, progress, approvals, LIVE clock, target) and the sweep line.

Both draw a snapshot they are given (`show`), so a redraw reads nothing from the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from ...text import shorten
from ..render import header_text
from .tones import TONE_CLASSES, Tones

if TYPE_CHECKING:
    from ...cockpit.views import HeaderView


class Pane(Static):
    """A Static that draws toned text: its component classes carry the colours."""

    COMPONENT_CLASSES = TONE_CLASSES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)  # what it shows is text, never markup ("[ ]", "[P1]")
        super().__init__(*args, **kwargs)
        self.tones = Tones(self)


class HeaderBar(Pane):
    """GO / NO-GO / TAMPERED (a word, not just a colour), progress with ✗ ⚠, approvals, LIVE,
    target."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view: HeaderView | None = None

    def show(self, view: HeaderView | None) -> None:
        if view != self.view:
            self.view = view
            self.refresh()

    def render(self) -> Text:
        if self.view is None:
            return Text(" golive … loading", style=self.tones["dim"])
        return header_text(self.view, self.size.width, self.tones)

    def on_resize(self) -> None:
        self.refresh()


class SweepBar(Pane):
    """`probing 23/57 · ✓14 ✗5 ⚠1` while a sweep runs, then its summary until the next key."""

    def show(self, line: str, *, tone: str = "", hint: str = "") -> None:
        self.display = bool(line)
        room = (self.size.width or self.app.size.width) - 2
        hint = f"   {hint}" if hint else ""
        text = Text(no_wrap=True, overflow="ellipsis")
        # The key hint always shows: the line gives way first.
        text.append(shorten(line, max(20, room - len(hint))), style=self.tones[tone])
        text.append(hint, style=self.tones["dim"])
        self.update(text)
