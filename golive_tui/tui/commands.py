"""Command palette provider: every action of the cockpit, searchable."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = [
    ("Probe everything", "probe_all", "run every probe of the checklist"),
    ("Cancel running probes", "cancel_probes", "stop probes in flight"),
    ("Show main screen", "show_main", "sections, items, detail"),
    ("Show performance", "show_performance", "metrics against targets"),
    ("Show sign-off", "show_signoff", "approvals, go/no-go, post-go-live"),
    ("Show audit trail", "show_audit", "history and chain verification"),
    ("Approve", "approve", "sign the record as a role"),
    ("Revoke an approval", "revoke", "withdraw a signature, with a reason"),
    ("Record go-live moment", "go_live", "start the post-go-live clock"),
    ("Help", "help", "every key binding"),
    ("Quit", "quit", "leave golive"),
]
ITEM_COMMANDS = [
    ("Mark item done", "mark('done')"), ("Mark item failed", "mark('failed')"), ("Mark item n/a", "mark('n/a')"),
    ("Mark item blocked", "mark('blocked')"), ("Cycle item status", "cycle"), ("Edit note and evidence", "edit"),
    ("Waive item", "waive"), ("Probe item", "probe_item"), ("Probe section", "probe_section"),
    ("Filter items", "filter"), ("Show/hide section tree", "toggle_tree"),
    ("Next section", "step_section(1)"), ("Previous section", "step_section(-1)"),
]


class GoliveCommands(Provider):
    async def _run(self, action: str, on_screen: bool) -> None:
        target = self.screen if on_screen else self.app
        await target.run_action(action)

    def _all(self):
        from .main_screen import MainScreen

        for title, action, help_text in COMMANDS:
            yield title, partial(self._run, action, False), help_text
        if isinstance(self.screen, MainScreen):
            for title, action in ITEM_COMMANDS:
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
