"""The cockpit's table: a DataTable with vi keys (j/k/g/G) and the tone component classes."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from .tones import TONE_CLASSES, Tones


class GoliveTable(DataTable[object]):
    """Every table of the cockpit moves the same way: arrows, j/k, g/G, page keys."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | TONE_CLASSES
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(**kwargs)
        self.tones = Tones(self)

    def column_width(self, key: str) -> int | None:
        """The width of a column, or None while the table has no such column (before the first
        layout)."""
        column = self.columns.get(ColumnKey(key))
        return column.width if column is not None else None
