"""The audit screen: the chain's verdict always in view, the history newest first, Enter opens an
entry."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from ...state import AuditEntry
from ...text import safe_line, shorten
from .. import keymap
from ..modals.entry import EntryModal
from ..widgets.header import Pane
from ..widgets.table import GoliveTable
from .base import Page

SHOWN = 500
"""Entries listed (newest first); older ones stay in the file and in `golive audit`."""


def brief(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("verdict") or value.get("reason") or "…")
    return safe_line(value)


def change_text(entry: AuditEntry) -> str:
    """`waf: status=done, note=…` — the target and what changed, one line."""
    target = entry.target.split(":", 1)[-1].rsplit(".", 1)[-1]
    values = ", ".join(f"{k}={brief(v)}" for k, v in entry.values.items() if k not in ("at", "by"))
    unset = (" unset " + ", ".join(entry.unset)) if entry.unset and not values else ""
    return safe_line(f"{target}: {values}{unset}")


class AuditScreen(Page):
    SCOPE = "audit"
    BINDINGS = keymap.bindings("audit")

    def compose_body(self) -> ComposeResult:
        yield Pane(id="verify", classes="page-title")
        yield GoliveTable(id="audit")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#audit").focus()

    def entries(self) -> list[AuditEntry]:
        return list(reversed(self.cockpit.session.state.audit[-SHOWN:]))

    def refresh_view(self) -> None:
        self.refresh_chrome()
        problem = self.cockpit.integrity()
        pane = self.query_one("#verify", Pane)
        count = len(self.cockpit.session.state.audit)
        if problem:
            pane.update(
                Text(
                    f"Audit trail: {count} entries — ✗ TAMPERED: {safe_line(problem)}",
                    style=pane.tones["bad"],
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )
        else:
            pane.update(
                Text.assemble(
                    f"Audit trail: {count} entries — ",
                    ("✓ chain intact", pane.tones["ok"]),
                    ("   enter opens an entry", pane.tones["dim"]),
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )
        table = self.query_one("#audit", GoliveTable)
        rest = max(12, self.size.width - (4 + 14 + 14 + 9) - 8 - 4)
        if table.column_width("change") != rest:
            table.clear(columns=True)
            for label, key, width in (
                ("#", "seq", 4),
                ("When (UTC)", "when", 14),
                ("Who", "who", 14),
                ("Action", "action", 9),
                ("Change", "change", rest),
            ):
                table.add_column(label, key=key, width=width)
        row = table.cursor_row
        table.clear()
        committed = self.cockpit.session.committed_seq
        for entry in self.entries():
            queued = (
                committed is not None and entry.seq > committed
            )  # offline: no number until it is committed
            table.add_row(
                "–" if queued else str(entry.seq),
                f"{entry.at:%m-%d %H:%M:%S}",
                Text(safe_line(entry.by), no_wrap=True, overflow="ellipsis"),
                # Cut at a word boundary within the column (enter shows the entry in full):
                # `probe=pass, …`, never `probe=pas`.
                entry.action,
                Text(
                    shorten(
                        ("QUEUED, not committed: " if queued else "") + change_text(entry), rest
                    ),
                    no_wrap=True,
                ),
                key=str(entry.seq),
            )
        if row is not None and 0 <= row < table.row_count:
            table.move_cursor(row=row, animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_entry()

    def action_open_entry(self) -> None:
        row = self.query_one("#audit", GoliveTable).cursor_row
        entries = self.entries()
        if row is not None and 0 <= row < len(entries):
            self.app.push_screen(EntryModal(entries[row]))
