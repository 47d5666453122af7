"""The help screen: every key, one line each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from ..widgets.header import Pane
from .base import Page

HELP = """\
golive — every key (the mouse works too)

 Move      ↑/↓ or j/k rows · g/G first/last · tab next pane · t section tree
           (hidden below 100 columns) · [ ] previous/next section (or item)
 Open      enter: the item full screen — evidence, who, runbook commands
           filled in for this target: y copies one (OSC 52), c edits it first
 Record    space cycle status · d done · x failed · n n/a · b blocked
           e note/evidence · w waive (reason + until date)
 Probes    p probe the item (the only way to run one that pages a human)
           P probe the section (or the filtered list) · R sweep everything
           W watch: sweep every N seconds, mark what changed (▼ worse, ▲ better)
           f next failure · esc cancel running probes
 Find      / filter: words, owner:dba, status:failed, verdict:error|fail,
           priority:p1 (enter keeps it, esc clears)
 Screens   1/F1 main · 2/F2 performance · 3/F3 sign-off · 4/F4 audit
 Sign-off  a approve the highlighted role · r revoke it · L record go-live
           enter on a blocker opens its item
 Anywhere  : or ctrl+p command palette (every action, report export) · ? help
           esc back · q or ctrl+c quit (asks first while a sweep runs)

 Statuses: ✓ done  ✗ failed  · pending  – n/a  ! blocked  ~ waived
 Verdicts: ✓ pass  ≈ acceptable  ✗ fail  ⚠ error  - skipped  ? confirm
 A * after a status: an attestation or waiver expired (see the detail).
"""


class HelpScreen(Page):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Pane(HELP, id="help")

    def refresh_view(self) -> None:
        self.refresh_chrome()
