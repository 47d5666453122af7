"""The help screen: every key, one line each, written from the action registry (keymap.REGISTRY)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from .. import keymap
from ..widgets.header import Pane
from .base import Page

MOVE = "↑/↓ or j/k rows · g/G first/last · tab next pane"
"""The tables' and lists' own keys (widgets/table.py, Textual's): not actions of the cockpit."""
LEGEND = """\
 Statuses: ✓ done  ✗ failed  · pending  – n/a  ! blocked  ~ waived
 Verdicts: ✓ pass  ≈ acceptable  ✗ fail  ⚠ error  - skipped  ? confirm
 A * after a status: an attestation or waiver expired (see the detail)."""
ORDER = ("Anywhere", "Move", "Open", "Record", "Probes", "Find", "Screens", "Sign-off")
"""Anywhere first: how to leave and where the palette is show on the first page at 80x24."""


def help_text(registry: Iterable[keymap.Action] | None = None) -> str:
    groups = dict(keymap.help_lines(registry))
    lines = ["golive — every key (the mouse works too)", ""]
    for group in ORDER:
        entries = groups.get(group, [])
        if group == "Move":
            entries = [("", MOVE), *entries]
        for n, (keys, what) in enumerate(entries):
            lines.append(f" {group if n == 0 else '':<9} {keys:<8} {what}".rstrip())
    return "\n".join([*lines, "", LEGEND, ""])


class HelpScreen(Page):
    SCOPE = "help"
    BINDINGS = keymap.bindings("help")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Pane(help_text(), id="help")
