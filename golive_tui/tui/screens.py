"""Performance, Sign-off, Audit and Help screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..decision import decide, post_golive_tasks
from ..state import verify
from .format import verdict_text
from .render import badge

if TYPE_CHECKING:
    from .app import GoliveApp


class _Page(Screen):
    BINDINGS = [Binding("escape", "app.show_main", "Back")]

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:  # pragma: no cover - overridden
        pass


def fit_columns(table: DataTable, width: int, columns: list[tuple[str, int | None]], minimum: int = 12) -> None:
    """(Re)build columns so the fixed ones always show and the one sized None takes the rest."""
    # Cell padding is 1 a side; 2 more for the vertical scrollbar.
    rest = max(minimum, width - sum(w + 2 for _, w in columns if w) - 4)
    widths = [(name, w or rest) for name, w in columns]
    if [c.width for c in table.columns.values()] == [w for _, w in widths]:
        return
    table.clear(columns=True)
    for name, w in widths:
        table.add_column(name, key=name.lower(), width=w)


class PerformanceScreen(_Page):
    """Metric, target, acceptable, current (measured), verdict — the seed's performance tables, live."""

    def compose(self) -> ComposeResult:
        yield Static(id="perf-title", classes="page-title")
        yield DataTable(id="metrics", cursor_type="row")
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        app = self.golive
        table = self.query_one(DataTable)
        fit_columns(table, self.size.width,
                    [("Metric", None), ("Target", 11), ("Acceptable", 13), ("Current", 9), ("Verdict", 10)], 16)
        table.clear()
        met = total = 0
        for item in app.checklist.items():
            if item.metric is None:
                continue
            total += 1
            probe = app.state.item(item.key).probe
            met += bool(probe and probe.verdict in ("pass", "acceptable"))
            current = "—"
            if probe and probe.value is not None:
                current = f"{probe.value:.4g}{'' if probe.unit in ('%', 'ms', 's', '') else ' '}{probe.unit}"
            m = item.metric
            name = item.title if not m.label or m.label == item.title else f"{item.title}: {m.label}"
            verdict = verdict_text(probe.verdict, app.monochrome, short=True) if probe else Text("· not run")
            table.add_row(name, str(m.target), str(m.acceptable or m.expected or ""), current, verdict, key=item.key)
        self.query_one("#perf-title", Static).update(
            f"Performance benchmarks — {met}/{total} within target or acceptable")


class SignoffScreen(_Page):
    """Approvals (fresh / stale / missing / revoked), go/no-go criteria, decision, post-go-live tasks."""

    BINDINGS = [Binding("escape", "app.show_main", "Back"), Binding("a", "approve", "Approve"),
                Binding("r", "revoke", "Revoke"), Binding("G", "app.go_live", "Go-live")]
    APPROVAL = {"fresh": ("✓ approved", "green"), "stale": ("! stale", "yellow"),
                "missing": ("· missing", "bright_black"), "revoked": ("✗ revoked", "red")}

    def compose(self) -> ComposeResult:
        yield Static(id="decision", classes="page-title")
        with VerticalScroll(id="signoff-body"):
            yield DataTable(id="approvals", cursor_type="row")
            yield Static(id="criteria")
            yield Static(id="reasons")
            yield Static(id="tasks")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#approvals", DataTable).focus()

    def selected_role(self) -> str:
        table = self.query_one("#approvals", DataTable)
        views = decide(self.golive.checklist, self.golive.state, self.golive.now()).approvals
        row = table.cursor_row
        return views[row].role_id if views and row is not None and 0 <= row < len(views) else ""

    def action_approve(self) -> None:
        self.golive.action_approve(self.selected_role())

    def action_revoke(self) -> None:
        self.golive.action_revoke(self.selected_role())

    def refresh_view(self) -> None:
        app = self.golive
        mono = app.monochrome
        now = app.now()
        decision = decide(app.checklist, app.state, now)
        fresh = sum(v.state == "fresh" for v in decision.approvals)
        head = Text.assemble("Decision: ", badge(decision.go, decision.label, mono),
                             f"  {fresh}/{len(decision.approvals)} approvals  signs {decision.signature[:12]}…",
                             no_wrap=True, overflow="ellipsis")
        self.query_one("#decision", Static).update(head)

        table = self.query_one("#approvals", DataTable)
        fit_columns(table, self.size.width,
                    [("Role", 19), ("Name", 14), ("State", 10), ("Date", 11), ("Changed since", None)], 10)
        row = table.cursor_row
        table.clear()
        for view in decision.approvals:
            word, colour = self.APPROVAL[view.state]
            changed = ", ".join(key.rsplit(".", 1)[-1] for key in view.changed)
            table.add_row(view.role, view.name, Text(word, style="" if mono else colour),
                          f"{view.at:%m-%d %H:%M}" if view.at else "", changed, key=view.role_id)
        if row is not None and 0 <= row < table.row_count:
            table.move_cursor(row=row, animate=False)

        lines = Text(no_wrap=True, overflow="ellipsis")  # one line per criterion, however many blockers
        lines.append("Go/no-go criteria\n", style="bold")
        for result in decision.criteria:
            style = "" if mono else ("green" if result.met else "red")
            blockers = f" — {len(result.blockers)} open: {', '.join(b.rsplit('.', 1)[-1] for b in result.blockers)}" if result.blockers else ""
            mark = "✓ met" if result.met else "✗ not met"
            line = Text(f"  {mark}  {result.criterion.title}{blockers}")
            line.stylize(style, 2, 2 + len(mark))
            lines.append_text(line)
            lines.append("\n")
        lines.rstrip()
        self.query_one("#criteria", Static).update(lines)

        reasons = Text()
        reasons.append("Why NO-GO\n" if decision.reasons else "Every criterion met and every approval fresh: GO\n", style="bold")
        for reason in decision.reasons:
            reasons.append(f"  • {reason}\n")
        reasons.rstrip()
        self.query_one("#reasons", Static).update(reasons)
        self.query_one("#tasks", Static).update(self._tasks(now, mono))

    def _tasks(self, now, mono: bool) -> Text:
        app = self.golive
        meta = app.state.meta
        if meta.golive_at is None:
            return Text("Post go-live: due times appear once the go-live moment is recorded (G).", style="italic")
        text = Text(f"Went live {meta.golive_at:%Y-%m-%d %H:%M} UTC by {meta.golive_by}"
                    + (f" (forced: {meta.golive_forced_reason})" if meta.golive_forced_reason else "") + "\n", style="bold")
        for task in post_golive_tasks(app.checklist, app.state, now):
            mark = "✓ done" if task.finished else ("! OVERDUE" if task.overdue else "· due")
            text.append(f"  {mark:<10} {task.due:%m-%d %H:%M}  {task.item.title}\n",
                        style="" if mono or not task.overdue else "bold red")
        return text


class AuditScreen(_Page):
    """The change history, newest first, with the chain's verification."""

    def compose(self) -> ComposeResult:
        yield Static(id="verify", classes="page-title")
        yield DataTable(id="audit", cursor_type="row")
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        app = self.golive
        report = verify(app.state)
        self.query_one("#verify", Static).update(
            f"Audit trail: {report.entries} entries — " + ("✓ chain intact" if report.ok else f"✗ TAMPERED: {report.problem}"))
        table = self.query_one(DataTable)
        fit_columns(table, self.size.width,
                    [("#", 4), ("When (UTC)", 14), ("Who", 12), ("Action", 9), ("Target", 18), ("Change", None)])
        table.clear()
        for entry in reversed(app.state.audit[-500:]):
            change = ", ".join(f"{k}={_short(v)}" for k, v in entry.values.items() if k not in ("at", "by"))
            table.add_row(str(entry.seq), f"{entry.at:%m-%d %H:%M:%S}", entry.by, entry.action,
                          entry.target.split(":", 1)[-1].rsplit(".", 1)[-1], change)


def _short(value) -> str:
    if isinstance(value, dict):
        return str(value.get("verdict") or value.get("reason") or "…")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 30 else text[:29] + "…"


class HelpScreen(_Page):
    """Every binding, one line each."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP, id="help")
        yield Footer(compact=True)


HELP = """\
golive — every key (the mouse works too)

 Move      ↑/↓ or j/k rows · tab next pane · t section tree (hidden below
           100 columns) · [ ] previous/next section
 Record    space cycle status · d done · x failed · n n/a · b blocked
           e note/evidence · w waive (reason + until date)
 Probes    p probe the item · P probe the section (or the filtered list)
           R probe everything · esc cancel running probes
 Find      / filter: words, owner:DBA, status:failed, priority:P1
           (enter keeps it, esc clears)
 Screens   1/F1 main · 2/F2 performance · 3/F3 sign-off · 4/F4 audit
 Sign-off  a approve the highlighted role · r revoke it · G record go-live
 Anywhere  : or ctrl+p command palette (every action) · ? help · esc back
           q quit (running probes are cancelled)

 Statuses: ✓ done  ✗ failed  · pending  – n/a  ! blocked  ~ waived
 Verdicts: ✓ pass  ≈ acceptable  ✗ fail  ⚠ error  - skipped
 A * after a status: an attestation or waiver expired (see the detail).
"""
