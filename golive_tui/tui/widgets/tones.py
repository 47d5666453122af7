"""Tones (ok, bad, warn, dim) as component classes, so colours live in golive.tcss and the theme.

A widget that draws status words declares these component classes; golive.tcss gives
each a theme variable (`$text-success`, `$text-error`, …). Python asks the widget for
the style of a tone and never names a colour. Monochrome is Textual's own filter
applied to everything drawn, so nothing here knows about it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rich.style import Style
from textual.widget import Widget

TONES = ("ok", "bad", "warn", "dim", "strong", "badge-go", "badge-nogo", "badge-alarm")
TONE_CLASSES = {f"tone--{tone}" for tone in TONES}  # a set: Textual types COMPONENT_CLASSES so


class Tones(Mapping[str, Style]):
    """The rich style of each tone, as the widget's CSS gives it (read when drawn)."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        self._styles: dict[tuple[str, str], Style] = {}

    def __getitem__(self, tone: str) -> Style:
        if not tone:
            return Style()
        # Resolving a component class's CSS costs more than drawing the cell: every row of every
        # redraw asks. The styles change only with the theme, so they are kept per theme.
        key = (tone, getattr(self.widget.app, "theme", ""))
        style = self._styles.get(key)
        if style is None:
            style = self.widget.get_component_rich_style(f"tone--{tone}", partial=True)
            if self.widget.is_mounted:  # before mounting the widget's CSS is not applied yet
                self._styles[key] = style
        return style

    def __iter__(self) -> Iterator[str]:
        return iter(TONES)

    def __len__(self) -> int:
        return len(TONES)
