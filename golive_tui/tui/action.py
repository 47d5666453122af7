"""One action of the cockpit, as the registry declares it (action_registry.py) and keymap.py
derives bindings, the palette, read-only gating and the help screen from it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

Scope = str
"""`app` (everywhere), `page` (every full-screen page), `record` (main and item screens), or one
screen: `main`, `item`, `signoff`, `performance`, `audit`, `help`."""


@dataclass(frozen=True, kw_only=True)
class Action:
    action: str
    """What Textual runs: `mark('done')`, `app.show_main`."""
    keys: str = ""
    """Textual key names, comma separated; empty: only in the palette."""
    label: str = ""
    """The footer's word; empty: never in the footer."""
    title: str = ""
    """The palette's entry; empty: not in the palette."""
    help: str = ""
    """What it does, for the help screen and the palette."""
    group: str = ""
    """The help screen's heading (Record, Probes, …); empty: not listed there."""
    scope: Scope = "app"
    writes: bool = False
    """Changes the record or runs probes (which record results): hidden and refused when
    read-only."""
    show: bool = False
    """In the footer (when there is room)."""
    priority: bool = False

    @property
    def name(self) -> str:
        """The method's name without `app.` and arguments: what `check_action` is asked about."""
        return self.action.removeprefix("app.").split("(", 1)[0]

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show, priority=self.priority)
