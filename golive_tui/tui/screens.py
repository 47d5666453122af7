"""Performance, Sign-off, Audit and Help screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..audit import verify
from ..decision import decide, post_golive_tasks
from .format import verdict_text

if TYPE_CHECKING:
    from .app import GoliveApp


class _Page(Screen):
    BINDINGS = [Binding("escape", "app.show_main", "Back")]

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:  # pragma: no cover - overridden
        pass


class PerformanceScreen(_Page):
    """Metric, target, acceptable, current (measured), verdict — the seed's performance tables, live."""

    def compose(self) -> ComposeResult:
        yield Static("Performance benchmarks", classes="page-title")
        yield DataTable(id="metrics", cursor_type="row")
        yield Footer()

    def refresh_view(self) -> None:
        app = self.golive
        table = self.query_one(DataTable)
        if not table.columns:
            for label in ("Metric", "Target", "Acceptable", "Current", "Verdict"):
                table.add_column(label, key=label.lower())
        table.clear()
        for item in app.checklist.items():
            if item.metric is None:
                continue
            probe = app.state.item(item.key).probe
            current = f"{probe.value:.4g}{'' if probe.unit in ('%', 'ms', 's') else ' '}{probe.unit}" if probe and probe.value is not None else "—"
            name = item.title if not item.metric.label or item.metric.label == item.title else f"{item.title}: {item.metric.label}"
            table.add_row(name, str(item.metric.target), str(item.metric.acceptable or item.metric.expected or ""),
                          current, verdict_text(probe.verdict if probe else None, app.monochrome) or "—", key=item.key)


class SignoffScreen(_Page):
    """Approvals (fresh / stale / missing / revoked), go/no-go criteria, decision, post-go-live tasks."""

    BINDINGS = [Binding("escape", "app.show_main", "Back"), Binding("a", "app.approve", "Approve"),
                Binding("G", "app.go_live", "Go-live")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="decision")
            yield DataTable(id="approvals", cursor_type="row")
            yield Static(id="criteria")
            yield Static(id="tasks")
        yield Footer()

    def refresh_view(self) -> None:
        app = self.golive
        now = app.now()
        decision = decide(app.checklist, app.state, now)
        badge = Text(f" {decision.label} ", style="" if app.monochrome else ("bold white on green" if decision.go else "bold white on red"))
        head = Text.assemble("Decision: ", badge, f"   signature {decision.signature[:16]}…\n")
        for reason in decision.reasons:
            head.append(f"  ✗ {reason}\n")
        self.query_one("#decision", Static).update(head)
        table = self.query_one("#approvals", DataTable)
        if not table.columns:
            for label in ("Role", "Name", "State", "Date", "Signature"):
                table.add_column(label, key=label.lower())
        table.clear()
        words = {"fresh": ("✓ approved", "green"), "stale": ("! stale", "yellow"), "missing": ("· missing", "bright_black"),
                 "revoked": ("✗ revoked", "red")}
        for view in decision.approvals:
            word, colour = words[view.state]
            state = Text(word + (f" ({len(view.changed)} changed)" if view.changed else ""), style="" if app.monochrome else colour)
            table.add_row(view.role, view.name, state, f"{view.at:%Y-%m-%d %H:%M}" if view.at else "",
                          view.signature[:12], key=view.role_id)
        lines = Text("Go/no-go criteria\n", style="bold")
        for result in decision.criteria:
            lines.append(f"  {'✓' if result.met else '✗'} {result.criterion.title}", style="" if app.monochrome else ("green" if result.met else "red"))
            lines.append(f"  {', '.join(result.blockers[:4])}{' …' if len(result.blockers) > 4 else ''}\n" if result.blockers else "\n")
        self.query_one("#criteria", Static).update(lines)
        tasks = post_golive_tasks(app.checklist, app.state, now)
        if app.state.meta.golive_at is None:
            text = Text("Post go-live: due times appear once the go-live moment is recorded (G).", style="italic")
        else:
            text = Text(f"Went live {app.state.meta.golive_at:%Y-%m-%d %H:%M} UTC by {app.state.meta.golive_by}\n", style="bold")
            for task in tasks:
                mark = "✓" if task.finished else ("OVERDUE" if task.overdue else "due")
                text.append(f"  {mark:<8} {task.due:%m-%d %H:%M}  {task.item.title}\n",
                            style="" if app.monochrome or not task.overdue else "bold red")
        self.query_one("#tasks", Static).update(text)


class AuditScreen(_Page):
    """The change history, newest first, with the chain's verification."""

    def compose(self) -> ComposeResult:
        yield Static(id="verify", classes="page-title")
        yield DataTable(id="audit", cursor_type="row")
        yield Footer()

    def refresh_view(self) -> None:
        app = self.golive
        report = verify(app.state)
        self.query_one("#verify", Static).update(
            f"Audit trail: {report.entries} entries — " + ("✓ chain intact" if report.ok else f"✗ TAMPERED: {report.problem}"))
        table = self.query_one(DataTable)
        if not table.columns:
            for label in ("#", "When (UTC)", "Who", "Action", "Target", "Change"):
                table.add_column(label, key=label)
        table.clear()
        for entry in reversed(app.state.audit[-500:]):
            change = ", ".join(f"{k}={_short(v)}" for k, v in entry.values.items() if k not in ("at", "by"))
            table.add_row(str(entry.seq), f"{entry.at:%m-%d %H:%M:%S}", entry.by, entry.action,
                          entry.target.split(":", 1)[-1], change)


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
        yield Footer()


HELP = """\
golive — keys (mouse works too)

 Move          ↑/↓ or j/k rows · tab next pane · t show/hide the section tree
 Record        space cycle status · d done · x failed · n n/a · b blocked
               e note/evidence · w waive (reason + until date)
 Probes        p probe the item · P probe the section (or filtered list)
               R probe everything · esc cancel running probes
 Find          / filter: words, owner:DBA, status:failed (esc clears)
 Screens       1 main · 2 performance · 3 sign-off · 4 audit · ? this help
 Sign-off      a approve (on sign-off) · G record the go-live moment
 Anywhere      : or ctrl+p command palette (every action) · q quit

Statuses always show a glyph and a word: ✓ done  ✗ failed  · pending  – n/a  ! blocked  ~ waived
Probe verdicts: ✓ pass  ≈ acceptable  ✗ fail  ⚠ error  - skipped. A * after a status: expired.
"""
