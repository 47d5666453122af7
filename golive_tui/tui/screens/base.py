"""What every page of the cockpit shares: header, sweep line, footer, one refresh, read-only keys.

A page draws itself in `refresh_view` from the app's snapshots; the app calls it on every
page of the stack after each change (its own, another captain's, a probe result).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from ..widgets.footer import FittingFooter
from ..widgets.header import HeaderBar, SweepBar

if TYPE_CHECKING:
    from ..app import GoliveApp

WRITES = frozenset({"mark", "cycle", "edit", "waive", "probe_item", "probe_section", "approve", "revoke", "go_live",
                    "confirm_go_live", "export", "app.probe_all", "app.toggle_watch", "probe_all", "toggle_watch"})
"""Actions that change the record (or run probes, which record results): hidden when read-only."""
WRITE_KEYS = frozenset("dxnbewpParLRW") | {"space"}

RECORD_BINDINGS = [
    Binding("d", "mark('done')", "Done"),
    Binding("x", "mark('failed')", "Failed", show=False),
    Binding("n", "mark('n/a')", "N/A", show=False),
    Binding("b", "mark('blocked')", "Blocked", show=False),
    Binding("space", "cycle", "Cycle", show=False),
    Binding("e", "edit", "Note"),
    Binding("w", "waive", "Waive", show=False),
    Binding("p", "probe_item", "Probe"),
]
"""The keys that record on the item in view: the same on the main screen and the item screen."""


class Page(Screen):
    """A full-screen page: header on top, the sweep line and a footer of what works here below."""

    BINDINGS = [Binding("escape", "app.show_main", "Back")]

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield from self.compose_body()
        yield SweepBar(id="sweep")
        yield FittingFooter()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - every page has a body
        yield from ()

    def on_mount(self) -> None:
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()  # changes made while a modal or another page was on top

    def refresh_view(self) -> None:
        """Redraw from the app's current snapshots."""
        self.refresh_chrome()

    def refresh_chrome(self) -> None:
        app = self.golive
        self.query_one(HeaderBar).show(app.header_view())
        line, tone, hint = app.sweep_line()
        self.query_one(SweepBar).show(line, tone=tone, hint=hint)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only: what would change the record is neither shown in the footer nor run.
        return not (self.golive.read_only and action in WRITES)

    def on_key(self, event: events.Key) -> None:
        if self.golive.read_only and event.key in WRITE_KEYS:
            self.golive.notify("read-only: nothing can be changed in this session", severity="warning", timeout=3)
