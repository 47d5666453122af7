"""Every action of the cockpit, declared once: key, footer label, palette title, help line, whether it
writes, and where it applies. Screens' BINDINGS, the command palette, read-only gating and the help
screen are all derived from `REGISTRY`; nothing else lists keys.

To add an action: append an `Action` here (scope = the screens it works on), and write its
`action_<name>` method on the app (scope "app") or on those screens. The footer, `:`/ctrl+p, `?`
and read-only gating follow by themselves (tests/tui/test_keymap.py adds one and checks all four).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from textual.binding import Binding, BindingType

Scope = str
"""`app` (everywhere), `page` (every full-screen page), `record` (main and item screens), or one screen:
`main`, `item`, `signoff`, `performance`, `audit`, `help`."""
SCOPES_OF_SCREEN: dict[Scope, tuple[Scope, ...]] = {
    "page": ("page",), "main": ("record", "main"), "item": ("item", "record"), "signoff": ("signoff",),
    "performance": ("performance",), "audit": ("audit",), "help": ("help",),
}
"""The registry scopes whose bindings a screen's class declares, in footer order (the `page` ones come
from its base class)."""


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
    """Changes the record or runs probes (which record results): hidden and refused when read-only."""
    show: bool = False
    """In the footer (when there is room)."""
    priority: bool = False

    @property
    def name(self) -> str:
        """The method's name without `app.` and arguments: what `check_action` is asked about."""
        return self.action.removeprefix("app.").split("(", 1)[0]

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show, priority=self.priority)


def _record(key: str, status: str, label: str, show: bool = False) -> Action:
    return Action(action=f"mark('{status}')", keys=key, label=label, title=f"Mark item {status}", show=show,
                  help=f"mark the item {status}", group="Record", scope="record", writes=True)


REGISTRY: list[Action] = [
    # --- everywhere (the app's bindings) ---
    Action(action="help", keys="question_mark", label="Help", title="Help", help="every key binding", group="Anywhere",
           show=True),
    Action(action="quit", keys="q", label="Quit", title="Quit", help="leave golive (asks first while a sweep runs)",
           group="Anywhere", show=True),
    # Ctrl+C quits, as the README says (Textual would only tell you to press Ctrl+Q).
    Action(action="quit", keys="ctrl+c", label="Quit", priority=True, help="quit too", group="Anywhere"),
    Action(action="show_main", keys="1,f1", label="Main", title="Show main screen", help="sections, items, detail",
           group="Screens"),
    Action(action="show_performance", keys="2,f2", label="Perf", title="Show performance",
           help="metrics, targets, the last hour", group="Screens"),
    Action(action="show_signoff", keys="3,f3", label="Sign-off", title="Show sign-off",
           help="approvals, go/no-go, post-go-live", group="Screens"),
    Action(action="show_audit", keys="4,f4", label="Audit", title="Show audit trail",
           help="history and chain verification", group="Screens"),
    Action(action="probe_all", keys="R", label="Sweep", title="Sweep: probe everything", writes=True, show=True,
           help="every probe but those that page a human", group="Probes"),
    Action(action="toggle_watch", keys="W", label="Watch", title="Watch: sweep every N seconds (on/off)", writes=True,
           help="sweep every N seconds, mark what changed (▼ worse, ▲ better)", group="Probes"),
    # Naming command_palette replaces Textual's own ctrl+p binding, so both keys are listed.
    Action(action="command_palette", keys="colon,ctrl+p", label="Palette",
           help="command palette: every action, report export", group="Anywhere"),
    Action(action="cancel_probes", title="Cancel running probes", help="stop probes in flight"),
    Action(action="approve", title="Approve", help="sign the record as a role", writes=True),
    Action(action="revoke", title="Revoke an approval", help="withdraw a signature, with a reason", writes=True),
    Action(action="go_live", title="Record go-live moment", help="start the post-go-live clock", writes=True),
    *(Action(action=f"export('{fmt}')", title=f"Export report: {fmt}", help=f"write the {fmt} report to a file you name",
             writes=True) for fmt in ("html", "markdown", "json", "junit")),
    # --- every page ---
    Action(action="app.show_main", keys="escape", label="Back", help="back to the main screen", scope="page",
           show=True),
    # --- main screen (and the item screen: scope record) ---
    Action(action="open_item", keys="enter", label="Open", title="Open item", scope="main", group="Open",
           help="the item full screen: evidence, who, runbook commands for this target"),
    _record("d", "done", "Done", show=True),
    _record("x", "failed", "Failed"),
    _record("n", "n/a", "N/A"),
    _record("b", "blocked", "Blocked"),
    Action(action="cycle", keys="space", label="Cycle", title="Cycle item status", help="the next status",
           group="Record", scope="record", writes=True),
    Action(action="edit", keys="e", label="Note", title="Edit note and evidence", help="note and evidence",
           group="Record", scope="record", writes=True, show=True),
    Action(action="waive", keys="w", label="Waive", title="Waive item", help="waive: a reason and an until date",
           group="Record", scope="record", writes=True),
    Action(action="probe_item", keys="p", label="Probe", title="Probe item", writes=True, show=True, group="Probes",
           help="probe the item (the only way to run one that pages a human)", scope="record"),
    Action(action="probe_section", keys="P", label="Probe sect.", title="Probe section", writes=True, group="Probes",
           help="probe the section (or the filtered list)", scope="main"),
    Action(action="next_failure", keys="f", label="Failure", title="Next failure", show=True, group="Probes",
           help="next failure (the first one right after a sweep)", scope="main"),
    Action(action="filter", keys="slash", label="Filter", title="Filter items", show=True, group="Find", scope="main",
           help="filter: words, owner:dba, status:failed, verdict:error|fail, priority:p1 (esc clears)"),
    Action(action="toggle_tree", keys="t", label="Tree", title="Show/hide section tree", scope="main", group="Move",
           help="the section tree (hidden below 100 columns)"),
    Action(action="step_section(-1)", keys="left_square_bracket", label="Prev section", title="Previous section",
           scope="main", group="Move", help="previous section (previous item on the item screen)"),
    Action(action="step_section(1)", keys="right_square_bracket", label="Next section", title="Next section",
           scope="main", group="Move", help="next section (next item on the item screen)"),
    Action(action="escape", keys="escape", label="Cancel", scope="main", group="Probes",
           help="clear the filter, else cancel running probes"),
    # --- item screen ---
    Action(action="back", keys="escape", label="Back", scope="item", show=True, help="back", group=""),
    Action(action="copy", keys="y", label="Copy cmd", scope="item", show=True, group="Open",
           help="copy the highlighted runbook command (OSC 52)"),
    Action(action="command_line", keys="c", label="Edit cmd", scope="item", show=True, group="Open",
           help="edit the command first (enter copies it)"),
    Action(action="step(-1)", keys="left_square_bracket", label="Prev item", scope="item"),
    Action(action="step(1)", keys="right_square_bracket", label="Next item", scope="item"),
    Action(action="scroll('page_up')", keys="pageup", scope="item"),
    Action(action="scroll('page_down')", keys="pagedown", scope="item"),
    # --- sign-off, performance, audit, help ---
    Action(action="approve", keys="a", label="Approve", scope="signoff", show=True, writes=True, group="Sign-off",
           help="approve the highlighted role"),
    Action(action="revoke", keys="r", label="Revoke", scope="signoff", show=True, writes=True, group="Sign-off",
           help="revoke it, with a reason"),
    Action(action="go_live", keys="L", label="Go-live", scope="signoff", show=True, writes=True, group="Sign-off",
           help="record the go-live moment (enter on a blocker opens its item)"),
    Action(action="request_review", keys="s", label="Request", scope="signoff", show=True, group="Sign-off",
           help="write a review request for the role (the approver signs it with ssh-keygen)"),
    Action(action="import_signature", keys="i", label="Import sig", scope="signoff", show=True, writes=True,
           group="Sign-off", help="import the approver's signature over a review request"),
    Action(action="open_item", keys="enter", label="Open", scope="performance", show=True),
    Action(action="probe_section", keys="p", label="Probe these", scope="performance", show=True, writes=True,
           group="Probes", help="probe every metric (performance screen)"),
    Action(action="open_entry", keys="enter", label="Open entry", scope="audit", show=True, group="Open",
           help="open the audit entry (audit screen)"),
    Action(action="app.pop_screen", keys="escape,q,question_mark", label="Close", scope="help", show=True),
]
HELP_GROUPS = ("Move", "Open", "Record", "Probes", "Find", "Screens", "Sign-off", "Anywhere")


def actions(*scopes: Scope, registry: Iterable[Action] | None = None) -> Iterator[Action]:
    return (a for a in (REGISTRY if registry is None else registry) if a.scope in scopes)


def bindings(screen: Scope) -> list[BindingType]:
    """A screen class's BINDINGS (its base class adds the `page` ones), in declaration order."""
    scopes = ("app",) if screen == "app" else SCOPES_OF_SCREEN[screen]
    return [a.binding() for scope in scopes for a in actions(scope) if a.keys]


def writes(name: str, scopes: Iterable[Scope]) -> bool:
    """Whether the action `name` (no `app.`, no arguments) changes the record where it is asked."""
    return any(a.writes and a.name == name for a in actions(*scopes))


def write_keys(scopes: Iterable[Scope]) -> frozenset[str]:
    """Keys whose action writes, where these scopes apply (a read-only session says why it ignores them)."""
    return frozenset(key.strip() for a in actions(*scopes) if a.writes for key in a.keys.split(",") if key.strip())


def palette(screen_scopes: Iterable[Scope], *, read_only: bool) -> Iterator[tuple[Action, bool]]:
    """(action, runs on the screen) for the palette: app-wide ones, then the screen's own; writers hidden read-only."""
    for action in actions("app"):
        if action.title and not (action.writes and read_only):
            yield action, False
    for action in actions(*(s for s in screen_scopes if s not in ("app", "page"))):
        if action.title and not (action.writes and read_only):
            yield action, True


KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]", "escape": "esc", "f1": "F1", "f2": "F2", "f3": "F3", "f4": "F4"}


def shown_keys(keys: str) -> str:
    return "/".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_lines(registry: Iterable[Action] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(keys, what it does)]) for the help screen, one line per action with a key and a group."""
    chosen = [a for a in (REGISTRY if registry is None else registry) if a.keys and a.group and a.help]
    return [(group, [(shown_keys(a.keys), a.help) for a in chosen if a.group == group]) for group in HELP_GROUPS]
