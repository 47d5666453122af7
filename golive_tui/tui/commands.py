"""Command palette provider: every action of the cockpit, searchable (read-only shows what works)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = [
    ("Sweep: probe everything", "probe_all", "every probe but those that page a human", True),
    ("Watch: sweep every N seconds (on/off)", "toggle_watch", "mark what changed since the previous sweep", True),
    ("Cancel running probes", "cancel_probes", "stop probes in flight", False),
    ("Show main screen", "show_main", "sections, items, detail", False),
    ("Show performance", "show_performance", "metrics, targets, the last hour", False),
    ("Show sign-off", "show_signoff", "approvals, go/no-go, post-go-live", False),
    ("Show audit trail", "show_audit", "history and chain verification", False),
    ("Approve", "approve", "sign the record as a role", True),
    ("Revoke an approval", "revoke", "withdraw a signature, with a reason", True),
    ("Record go-live moment", "go_live", "start the post-go-live clock", True),
    *((f"Export report: {fmt}", f"export('{fmt}')", f"write the {fmt} report to a file you name", True)
      for fmt in ("html", "markdown", "json", "junit")),
    ("Help", "help", "every key binding", False),
    ("Quit", "quit", "leave golive (asks first while a sweep runs)", False),
]
ITEM_COMMANDS = [
    ("Open item", "open_item", False), ("Next failure", "next_failure", False),
    ("Mark item done", "mark('done')", True), ("Mark item failed", "mark('failed')", True),
    ("Mark item n/a", "mark('n/a')", True), ("Mark item blocked", "mark('blocked')", True),
    ("Cycle item status", "cycle", True), ("Edit note and evidence", "edit", True), ("Waive item", "waive", True),
    ("Probe item", "probe_item", True), ("Probe section", "probe_section", True),
    ("Filter items", "filter", False), ("Show/hide section tree", "toggle_tree", False),
    ("Next section", "step_section(1)", False), ("Previous section", "step_section(-1)", False),
]


class GoliveCommands(Provider):
    async def _run(self, action: str, on_screen: bool) -> None:
        target = self.screen if on_screen else self.app
        await target.run_action(action)

    def _all(self):
        from .screens.main import MainScreen

        read_only = getattr(self.app, "read_only", False)
        for title, action, help_text, writes in COMMANDS:
            if not (writes and read_only):
                yield title, partial(self._run, action, False), help_text
        if isinstance(self.screen, MainScreen):
            for title, action, writes in ITEM_COMMANDS:
                if not (writes and read_only):
                    yield title, partial(self._run, action, True), "on the selected item"

    async def discover(self) -> Hits:
        for title, callback, help_text in self._all():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._all():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
