"""The main screen: section tree, items of the section, detail of the selected item."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, Tree

from ..decision import outcome, section_progress
from ..model import Item
from .format import SPINNER, age, outcome_text, verdict_text

if TYPE_CHECKING:
    from .app import GoliveApp

ALL = "*"


class HeaderBar(Static):
    """Title, target, overall progress and the GO / NO-GO badge (word, not just colour)."""


class MainScreen(Screen):
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("space", "cycle", "Cycle"),
        Binding("d", "mark('done')", "Done"),
        Binding("x", "mark('failed')", "Failed"),
        Binding("n", "mark('n/a')", "N/A"),
        Binding("b", "mark('blocked')", "Blocked", show=False),
        Binding("e", "edit", "Note"),
        Binding("w", "waive", "Waive", show=False),
        Binding("p", "probe_item", "Probe"),
        Binding("P", "probe_section", "Probe sect."),
        Binding("slash", "filter", "Filter"),
        Binding("t", "toggle_tree", "Tree", show=False),
        Binding("escape", "escape", "Cancel", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.section_key = ALL
        self.filter_text = ""
        self.rows: list[Item] = []
        self.spin = 0

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            yield Tree("All sections", id="sections")
            with Vertical(id="right"):
                yield DataTable(id="items", cursor_type="row", zebra_stripes=False)
                with VerticalScroll(id="detail-scroll"):
                    yield Static(id="detail")
        yield Input(id="filter", placeholder="filter: text, owner:DBA, status:failed — enter to keep, esc to clear")
        yield Footer()

    def on_mount(self) -> None:
        self._columns()
        tree = self.query_one("#sections", Tree)
        tree.root.data = ALL
        tree.show_root = True
        tree.guide_depth = 2  # narrow indents: section progress stays visible at 80 columns
        for top in self.golive.checklist.section:
            node = tree.root.add(top.title, data=top.key, expand=True)
            for sub in top.subsection:
                self._add_section(node, sub)
        tree.root.expand()
        self.query_one("#filter", Input).display = False
        self.refresh_view()
        self.query_one("#items", DataTable).focus()

    FIXED = (("Owner", "owner", 8), ("Status", "status", 9), ("Probe", "verdict", 10), ("Age", "age", 4))

    def _columns(self) -> bool:
        """Title takes what the fixed columns leave, so nothing that matters is cut at 80x24."""
        table = self.query_one("#items", DataTable)
        tree = self.query_one("#sections", Tree)
        width = self.size.width - (tree.outer_size.width if tree.display else 0)
        title_width = max(12, width - sum(w + 2 for _, _, w in self.FIXED) - 4)
        if "title" in table.columns and table.columns["title"].width == title_width:
            return False
        table.clear(columns=True)
        table.add_column("Item", key="title", width=title_width)
        for label, key, w in self.FIXED:
            table.add_column(label, key=key, width=w)
        return True

    def on_resize(self) -> None:
        if self._columns():  # resize events repeat while a terminal settles: redraw only on a real change
            self.refresh_view()

    def _add_section(self, parent, section) -> None:
        node = parent.add(section.title, data=section.key, expand=True, allow_expand=bool(section.subsection))
        for sub in section.subsection:
            self._add_section(node, sub)

    # --- rendering -------------------------------------------------------------------------
    def visible_items(self) -> list[Item]:
        checklist = self.golive.checklist
        if self.section_key == ALL or self.filter_text:
            items = list(checklist.items())
        else:
            items = list(checklist.section_map()[self.section_key].all_items())
        return [i for i in items if self._matches(i)] if self.filter_text else items

    def _matches(self, item: Item) -> bool:
        state = self.golive.state
        for token in self.filter_text.lower().split():
            if token.startswith("owner:"):
                if token[6:] not in item.owner.lower():
                    return False
            elif token.startswith("status:"):
                wanted = token[7:]
                o = outcome(item, state.item(item.key), self.golive.now())
                if wanted not in (o.state, state.item(item.key).status, "done" if o.state == "complete" else o.state):
                    return False
            elif token not in f"{item.key} {item.title} {item.description} {item.owner}".lower():
                return False
        return True

    def refresh_view(self) -> None:
        app = self.golive
        now = app.now()
        self.query_one(HeaderBar).update(app.header_text())
        tree = self.query_one("#sections", Tree)
        section_map = app.checklist.section_map()
        for node in self._walk(tree.root):
            if node.data == ALL:
                continue
            section = section_map[node.data]
            node.set_label(f"{section_progress(section, app.state, now).label()} {section.title}")
        table = self.query_one("#items", DataTable)
        current = self.current_item()
        self.rows = self.visible_items()
        table.clear()
        for item in self.rows:
            table.add_row(*self._cells(item), key=item.key)
        if current is not None and current in self.rows:
            table.move_cursor(row=self.rows.index(current), animate=False)
        self.show_detail()

    def _walk(self, node):
        yield node
        for child in node.children:
            yield from self._walk(child)

    def _cells(self, item: Item) -> list:
        app = self.golive
        istate = app.state.item(item.key)
        o = outcome(item, istate, app.now())
        running = item.key in app.running
        probe = istate.probe
        status = outcome_text(o.state, app.monochrome)
        if o.reason and o.state != "waived":
            status.append("*")
        if running:
            verdict = Text(("… " if app.monochrome else SPINNER[self.spin % 4] + " ") + "running")
        else:
            verdict = verdict_text(probe.verdict if probe else None, app.monochrome, short=True)
        return [item.title, item.owner, status, verdict, age(probe.checked_at if probe else None, app.now())]

    def tick_spinner(self) -> None:
        """Advance the spinner of running rows only (cheap: a few cells, ≤4 updates a second)."""
        if not self.golive.running or self.golive.monochrome:
            return
        self.spin += 1
        table = self.query_one("#items", DataTable)
        for item in self.rows:
            if item.key in self.golive.running:
                table.update_cell(item.key, "verdict", SPINNER[self.spin % 4] + " running")

    def update_row(self, key: str) -> None:
        table = self.query_one("#items", DataTable)
        item = next((i for i in self.rows if i.key == key), None)
        if item is None:
            return
        for column, value in zip(("title", "owner", "status", "verdict", "age"), self._cells(item), strict=True):
            table.update_cell(key, column, value)

    def current_item(self) -> Item | None:
        table = self.query_one("#items", DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show_detail(self) -> None:
        item = self.current_item()
        detail = self.query_one("#detail", Static)
        detail.update(self.golive.detail_text(item) if item else "No item selected.")

    # --- events ------------------------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        key = event.node.data or ALL
        if key != self.section_key:
            self.section_key = key
            self.refresh_view()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value.strip()
            self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one("#items", DataTable).focus()

    # --- actions -----------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self.query_one("#items", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#items", DataTable).action_cursor_up()

    def action_toggle_tree(self) -> None:
        tree = self.query_one("#sections", Tree)
        tree.display = not tree.display
        self.call_after_refresh(self.on_resize)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus or self.filter_text:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.refresh_view()
            self.query_one("#items", DataTable).focus()
        else:
            self.golive.action_cancel_probes()

    def action_cycle(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.cycle(item)

    def action_mark(self, status: str) -> None:
        if (item := self.current_item()) is not None:
            self.golive.mark(item, status)

    def action_edit(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.edit_note(item)

    def action_waive(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.waive(item)

    def action_probe_item(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.run_probes([item])

    def action_probe_section(self) -> None:
        self.golive.run_probes(self.visible_items())
