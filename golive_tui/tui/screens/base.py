"""What every page of the cockpit shares: header, sweep line, footer, redrawing on CockpitChanged,
read-only keys.

A page draws itself from the cockpit state (`self.cockpit`); nobody tells it to refresh. The
app posts one coalesced `CockpitChanged` to the pages on the stack whenever the state says
something changed (a result saved, a write, another captain's change, a waiver that ran out
while nobody touched a key), and a page redraws what changed since its last drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen

from .. import keymap
from ..messages import CockpitChanged
from ..widgets.footer import FittingFooter
from ..widgets.header import HeaderBar, SweepBar

if TYPE_CHECKING:
    from ...cockpit import Cockpit
    from ..host import Host

READ_ONLY = "read-only: nothing can be changed in this session"


class Page(Screen[None]):
    """A full-screen page: header on top, the sweep line and a footer of what works here below."""

    SCOPE: ClassVar[keymap.Scope] = "page"
    """Which of the registry's actions this page binds (keymap.SCOPES_OF_SCREEN)."""
    BINDINGS = keymap.bindings("page")

    def __init__(self) -> None:
        super().__init__()
        self.drawn = -1
        """The cockpit version this page last drew."""

    @property
    def golive(self) -> Host:
        return cast("Host", self.app)

    @property
    def cockpit(self) -> Cockpit:
        return self.golive.cockpit

    @property
    def scopes(self) -> tuple[keymap.Scope, ...]:
        return ("app", "page", *keymap.SCOPES_OF_SCREEN[self.SCOPE])

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield from self.compose_body()
        yield SweepBar(id="sweep")
        yield FittingFooter()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - every page has a body
        yield from ()

    def on_mount(self) -> None:
        self.drawn = self.cockpit.version
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.draw_changes()  # changes made while a modal or another page was on top

    def on_cockpit_changed(self, message: CockpitChanged) -> None:
        self.draw_changes()

    def draw_changes(self) -> None:
        """Redraw what changed since this page last drew: everything, some rows, or the chrome
        alone."""
        if not self.is_mounted:
            return
        changes = self.cockpit.changes_since(self.drawn)
        self.drawn = self.cockpit.version
        if changes is None:
            self.refresh_view()
        elif changes:
            self.rows_changed(changes)
        else:
            self.refresh_chrome()

    def refresh_view(self) -> None:
        """Draw everything from the cockpit state."""
        self.refresh_chrome()

    def rows_changed(self, keys: frozenset[str]) -> None:
        """These items changed (probe results saved); a page with a table may redraw just their
        rows."""
        self.refresh_view()

    def refresh_chrome(self) -> None:
        cockpit = self.cockpit
        self.query_one(HeaderBar).show(cockpit.header())
        line, tone, hint = cockpit.sweep_line()
        self.query_one(SweepBar).show(line, tone=tone, hint=hint)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only: what would change the record is neither shown in the footer nor run.
        return not (self.cockpit.read_only and keymap.writes(action, self.scopes))

    def on_key(self, event: events.Key) -> None:
        if self.cockpit.read_only and event.key in keymap.write_keys(self.scopes):
            self.app.notify(READ_ONLY, severity="warning", timeout=3)
