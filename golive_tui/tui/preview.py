"""The first frame, drawn before pydantic, the probes or any SDK are imported.

A captain opening the cockpit over SSH sees the checklist at once: titles, owners and the
recorded statuses from the core's raw-TOML fast path (golive_tui/first_frame.py), or the
error of a file that does not parse. The session loads (and validates) everything in a
worker, and the real main screen replaces this one a moment later; keys typed meanwhile
wait for it (TypeAhead).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from ..first_frame import first_frame
from ..text import shorten
from ..vocab import OUTCOME_TERMS, VERDICT_TERMS
from .widgets.header import HeaderBar, Pane

PREVIEW_KEYS = frozenset({"q", "ctrl+c", "question_mark", "colon", "ctrl+p"})
"""What works on the preview itself (quit, help, palette); other keys wait for the cockpit."""
TYPEAHEAD_LIMIT = 32


class TypeAhead:
    """Keys typed on the preview (R as soon as the table shows): kept for the cockpit, not
    dropped."""

    def __init__(self) -> None:
        self._keys: list[tuple[str, str | None]] = []

    def hold(self, event: events.Key) -> bool:
        """True when the key waits for the cockpit (kept, up to TYPEAHEAD_LIMIT); False: the preview
        answers it."""
        if event.key in PREVIEW_KEYS:
            return False
        if len(self._keys) < TYPEAHEAD_LIMIT:
            self._keys.append((event.key, event.character))
        return True

    def release(self) -> list[events.Key]:
        """The keys held, as new events in the order typed, once (the cockpit is installed)."""
        keys, self._keys = self._keys, []
        return [events.Key(key, character) for key, character in keys]


class PreviewScreen(Screen[None]):
    """Looks like the main screen; keys typed on it wait for the loaded cockpit (q, ctrl+c, ? and :
    work at once)."""

    def __init__(self, checklist: str | None, state: str | None) -> None:
        super().__init__()
        self.checklist_ref, self.state_ref = checklist, state

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(" ▸ loading the checklist and the record…", id="section-bar")
        # Drawn as one text, not a DataTable: the table's cell-by-cell rendering was ~30 ms of the
        # first frame.
        yield Pane(id="items")
        yield Pane(id="detail-scroll")

    def on_mount(self) -> None:
        frame = first_frame(self.checklist_ref, self.state_ref)
        pane = self.query_one("#items", Pane)
        tones = pane.tones
        if frame.error:
            self.query_one("#section-bar", Static).update(
                Text(f" ▸ {frame.error}", style=tones["bad"])
            )
        title_width = max(12, self.size.width - 4 - (10 + 11 + 12 + 6))
        widths = (title_width, 8, 9, 10, 4)
        text = Text(no_wrap=True, overflow="ellipsis")
        for label, width in zip(("Item", "Owner", "Status", "Probe", "Age"), widths, strict=True):
            text.append(f" {label:<{width}} ", style=tones["strong"])
        for row in frame.rows[: max(1, self.size.height)]:
            status, probe = OUTCOME_TERMS[row.outcome], VERDICT_TERMS.get(row.verdict)
            text.append("\n")
            text.append(f" {shorten(row.title, widths[0]):<{widths[0]}} ")
            text.append(f" {shorten(row.owner, widths[1]):<{widths[1]}} ")
            text.append(f" {str(status):<{widths[2]}} ", style=tones[status.tone])
            text.append(
                f" {str(probe) if probe else '':<{widths[3]}} ",
                style=tones[probe.tone] if probe else "",
            )
        pane.update(text)
