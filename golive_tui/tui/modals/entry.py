"""One audit entry in full: the name it was recorded under and the operator at the keyboard,
apart."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from ...actor import Operator
from ...state import AuditEntry
from ...text import safe_block, safe_line
from ..render import Tones
from ..widgets.footer import FittingFooter
from ..widgets.header import Pane


def operator_text(entry: AuditEntry) -> str:
    operator = Operator.from_record(entry.operator)
    return (
        safe_line(operator)
        if operator
        else "(not recorded: an entry older than the operator field)"
    )


def entry_text(entry: AuditEntry, tones: Tones) -> Text:
    text = Text()
    text.append(f"Audit entry #{entry.seq}\n", style=tones["strong"])
    rows = [
        ("When", f"{entry.at:%Y-%m-%d %H:%M:%S} UTC"),
        ("Name", safe_line(entry.by)),
        ("Operator", operator_text(entry)),
        ("Action", safe_line(entry.action)),
        ("Target", safe_line(entry.target)),
    ]
    for label, value in rows:
        text.append(f"{label:<9}", style=tones["dim"])
        text.append(f"{value}\n")
    text.append("Values\n", style=tones["strong"])
    for key, value in entry.values.items():
        shown = safe_block(
            value
            if not isinstance(value, dict)
            else "\n".join(f"{k}: {v}" for k, v in value.items())
        )
        lines = shown.splitlines() or [""]
        text.append(f"  {safe_line(key)}: ", style=tones["dim"])
        text.append(lines[0] + "\n")
        for line in lines[1:]:
            text.append(f"      {line}\n")
    if entry.unset:
        text.append(f"Unset    {', '.join(entry.unset)}\n")
    text.append(f"prev     {entry.prev}\nhash     {entry.hash}", style=tones["dim"])
    return text


class EntryModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, entry: AuditEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog entry"):
            with VerticalScroll():
                yield Pane(id="entry")
        yield FittingFooter()

    def on_mount(self) -> None:
        pane = self.query_one("#entry", Pane)
        pane.update(entry_text(self.entry, pane.tones))

    async def action_dismiss(self, result: object = None) -> None:
        self.dismiss()
