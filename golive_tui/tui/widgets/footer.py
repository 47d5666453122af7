"""A footer that shows only the keys it has room for: nothing cut in half at 60 columns.

The screen's own keys come first in Textual's binding order, the app's (help, quit, sweep)
last, so a narrow terminal loses the ones that work everywhere and are listed in `?`.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)

    def compose(self) -> ComposeResult:
        room = self.size.width or self.app.size.width
        used = 0
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Compact layout: key, a space, the description, one column of margin.
                need = len(widget.key_display) + 1 + len(widget.description) + 1
                if used + need > room + 1:  # the last key needs no margin after it
                    continue
                used += need
            yield widget

    def on_resize(self) -> None:
        self.refresh(recompose=True)
