"""Every action of the cockpit, declared once: `REGISTRY`, the only list of keys in the TUI.

Data only; what is derived from it (screens' BINDINGS, the command palette, read-only gating,
the help screen) is keymap.py's, which is also where callers read it (`keymap.REGISTRY`).
Its own module because it is long: one entry per key, each with its footer label, palette
title, help line, scope and whether it writes.
"""

from __future__ import annotations

from .action import Action


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
