"""The sign-off screen: approvals (fresh / stale / missing / revoked), the go/no-go criteria, every
blocker as an entry that opens its item, and the post-go-live tasks once live."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, OptionList
from textual.widgets.option_list import Option

from ...decision import Decision, outcome, post_golive_tasks
from ...text import safe_line
from ...vocab import APPROVAL_TERMS, term
from .. import keymap
from ..render import when
from ..widgets.header import Pane
from ..widgets.table import GoliveTable
from .base import Page
from .item import RunbookList

APPROVAL = {state: (str(t), t.tone) for state, t in APPROVAL_TERMS.items()}


class BlockerList(RunbookList):
    """Why NO-GO, one entry per blocking item or approval: Enter goes there."""


class SignoffScreen(Page):
    SCOPE = "signoff"
    BINDINGS = keymap.bindings("signoff")

    def compose_body(self) -> ComposeResult:
        yield Pane(id="decision", classes="page-title")
        # Not a stop of its own: tab moves between the approvals and the Why NO-GO list, nothing
        # else.
        with VerticalScroll(id="signoff-body", can_focus=False):
            yield GoliveTable(id="approvals")
            yield Pane(id="criteria")
            yield Pane(id="reasons-title")
            yield BlockerList(id="blockers", compact=True)
            yield Pane(id="tasks")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#approvals", GoliveTable).focus()

    def selected_role(self) -> str:
        table = self.query_one("#approvals", GoliveTable)
        roles = [r.id for r in self.cockpit.session.checklist.approval]
        row = table.cursor_row
        return roles[row] if roles and row is not None and 0 <= row < len(roles) else ""

    def action_approve(self) -> None:
        self.golive.approving.approve(self.selected_role())

    def action_revoke(self) -> None:
        self.golive.approving.revoke(self.selected_role())

    def action_go_live(self) -> None:
        self.golive.approving.go_live()

    def action_request_review(
        self,
    ) -> None:  # a request for the approver to sign with ssh-keygen (tui/reviewer.py)
        from ..reviewer import request_review

        request_review(self.golive.approving, self.selected_role())

    def action_import_signature(self) -> None:
        from ..reviewer import import_signature

        import_signature(self.golive.approving, self.selected_role())

    def refresh_view(self) -> None:
        self.refresh_chrome()
        decision = self.cockpit.decision()
        title = self.query_one("#decision", Pane)
        fresh = sum(v.counts for v in decision.approvals)
        title.update(
            Text.assemble(
                ("Decision: ", title.tones["strong"]),
                (f" {decision.label} ", title.tones["badge-go" if decision.go else "badge-nogo"]),
                f"  {fresh}/{len(decision.approvals)} approvals  signs {decision.signature[:12]}…",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        self._approvals(decision)
        self._criteria(decision)
        self._blockers(decision)
        self._tasks()

    def _approvals(self, decision: Decision) -> None:
        table = self.query_one("#approvals", GoliveTable)
        wide = self.size.width >= 120
        fixed = [
            ("Role", "role", 19 if wide else 16),
            ("Name", "name", 14 if wide else 12),
            ("State", "state", 10),
            ("Kind", "kind", 10 if wide else 8),
            ("When", "date", 11 if wide else 5),
        ]
        if wide:
            fixed.append(("Recorded by", "operator", 22))
        rest = max(10, self.size.width - sum(w + 2 for _, _, w in fixed) - 4)
        if table.column_width("changed") != rest or len(table.columns) != len(fixed) + 1:
            table.clear(columns=True)
            for label, key, width in (*fixed, ("Changed since", "changed", rest)):
                table.add_column(label, key=key, width=width)
        row = table.cursor_row
        table.clear()
        tones = table.tones
        for view in decision.approvals:
            word, tone = APPROVAL[view.state]
            kind = (
                "" if view.state == "missing" else view.signing.label.replace(" (unverified)", "?")
            )
            kind_tone = {"signed": "ok", "invalid": "bad", "proxy": "warn"}.get(
                view.signing.label, "dim"
            )
            changed = ", ".join(key.rsplit(".", 1)[-1] for key in view.changed)
            # A role longer than its column wraps at a word (`Engineering` / `Manager`), never
            # `Engineering Man…`.
            cells = [
                Text(safe_line(view.role), overflow="fold"),
                Text(safe_line(view.name), no_wrap=True, overflow="ellipsis"),
                Text(word, style=tones[tone]),
                Text(kind, style=tones[kind_tone]),
                (f"{view.at:%m-%d %H:%M}" if wide else f"{view.at:%H:%M}") if view.at else "",
            ]
            if wide:
                cells.append(Text(safe_line(view.operator), no_wrap=True, overflow="ellipsis"))
            table.add_row(*cells, Text(changed), key=view.role_id, height=None)
        if row is not None and 0 <= row < table.row_count:
            table.move_cursor(row=row, animate=False)

    def _criteria(self, decision: Decision) -> None:
        pane = self.query_one("#criteria", Pane)
        tones = pane.tones
        lines = Text(
            no_wrap=True, overflow="ellipsis"
        )  # one line per criterion, however many blockers
        lines.append("Go/no-go criteria\n", style=tones["strong"])
        for result in decision.criteria:
            mark = "✓ met" if result.met else "✗ not met"
            lines.append("  ")
            lines.append(mark, style=tones["ok" if result.met else "bad"])
            lines.append(f"  {safe_line(result.criterion.title)}")
            if result.blockers:
                lines.append(f" — {len(result.blockers)} open", style=tones["dim"])
            lines.append("\n")
        lines.rstrip()
        pane.update(lines)

    def _blockers(self, decision: Decision) -> None:
        cockpit = self.cockpit
        title = self.query_one("#reasons-title", Pane)
        blockers = self.query_one(BlockerList)
        tones = title.tones
        if decision.go:
            title.update(
                Text("Every criterion met and every approval fresh: GO", style=tones["ok"])
            )
        else:
            title.update(
                Text.assemble(
                    ("Why NO-GO", tones["strong"]), ("  enter opens the item", tones["dim"])
                )
            )
        options: list[Option] = []
        items = cockpit.session.checklist.item_map()
        seen: set[tuple[str, str]] = set()
        for result in decision.criteria:
            for key in (b.split(" (", 1)[0] for b in result.blockers):
                item = items.get(key)
                if item is None or (result.criterion.id, key) in seen:
                    continue
                seen.add((result.criterion.id, key))
                state = outcome(item, cockpit.session.state.item(key), cockpit.now()).state
                mark = term(state)
                options.append(
                    Option(
                        Text.assemble(
                            (f"{mark.glyph} ", tones[mark.tone]),
                            f"{safe_line(item.title)} ({state})",
                            (f" — {safe_line(result.criterion.title)}", tones["dim"]),
                        ),
                        id=f"item:{key}:{len(options)}",
                    )
                )
        for view in decision.approvals:
            if view.state != "fresh":
                word, tone = APPROVAL[view.state]
                changed = f" — changed since: {', '.join(view.changed[:3])}" if view.changed else ""
                options.append(
                    Option(
                        Text.assemble(
                            (f"{word} ", tones[tone]),
                            f"approval: {view.role}",
                            (changed, tones["dim"]),
                        ),
                        id=f"role:{view.role_id}",
                    )
                )
        highlighted = blockers.highlighted
        blockers.clear_options()
        blockers.add_options(options)
        blockers.display = bool(options)
        if options:
            blockers.highlighted = min(highlighted or 0, len(options) - 1)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the approvals goes to the Why NO-GO list (where enter opens an item); a and r
        act on roles."""
        blockers = self.query_one(BlockerList)
        if event.data_table.id == "approvals" and blockers.display:
            blockers.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        kind, _, rest = ident.partition(":")
        if kind == "item":
            key = rest.rsplit(":", 1)[0]
            self.golive.open_item(self.cockpit.session.checklist.item(key), [key])
        elif kind == "role":
            table = self.query_one("#approvals", GoliveTable)
            roles = [r.id for r in self.cockpit.session.checklist.approval]
            table.move_cursor(row=roles.index(rest), animate=False)
            table.focus()

    def _tasks(self) -> None:
        cockpit = self.cockpit
        pane = self.query_one("#tasks", Pane)
        tones = pane.tones
        meta = cockpit.session.state.meta
        if meta.golive_at is None:
            pane.update(
                Text(
                    "Post go-live: due times appear once the go-live moment is recorded (L).",
                    style=tones["dim"],
                )
            )
            return
        forced = (
            f" (forced: {safe_line(meta.golive_forced_reason)})"
            if meta.golive_forced_reason
            else ""
        )
        text = Text(
            f"Went live {when(meta.golive_at)} by {safe_line(meta.golive_by)}{forced}\n",
            style=tones["strong"],
        )
        for task in post_golive_tasks(
            cockpit.session.checklist, cockpit.session.state, cockpit.now()
        ):
            mark = "✓ done" if task.finished else ("! OVERDUE" if task.overdue else "· due")
            text.append(
                f"  {mark:<10} {task.due:%m-%d %H:%M}  {safe_line(task.item.title)}\n",
                style=tones["bad"] if task.overdue else "",
            )
        text.rstrip()
        pane.update(text)
