"""The main screen: section tree, items of the section, detail of the selected item.

Below NARROW columns (80x24 over SSH) the tree hides behind `t` and a one-line section bar
takes its place, so item titles keep their width; `[` and `]` step through sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, Tree

from ..decision import outcome, progress, section_progress
from ..model import Item
from .format import SPINNER, age, outcome_text, verdict_text
from .render import detail_text, header_text

if TYPE_CHECKING:
    from .app import GoliveApp

ALL = "*"
NARROW = 100
"""Below this width the section tree starts hidden."""


class HeaderBar(Static):
    """Title, target, overall progress and the GO / NO-GO badge (word, not just colour)."""


class MainScreen(Screen):
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("space", "cycle", "Cycle", show=False),
        Binding("d", "mark('done')", "Done"),
        Binding("x", "mark('failed')", "Failed"),
        Binding("n", "mark('n/a')", "N/A", show=False),
        Binding("b", "mark('blocked')", "Blocked", show=False),
        Binding("e", "edit", "Note"),
        Binding("w", "waive", "Waive", show=False),
        Binding("p", "probe_item", "Probe"),
        Binding("P", "probe_section", "Probe sect.", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("t", "toggle_tree", "Tree"),
        Binding("left_square_bracket", "step_section(-1)", "Prev section", show=False),
        Binding("right_square_bracket", "step_section(1)", "Next section", show=False),
        Binding("escape", "escape", "Cancel", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.section_key = ALL
        self.filter_text = ""
        self.rows: list[Item] = []
        self.spin = 0
        self.tree_choice: bool | None = None
        """The user's `t` choice; None: automatic (shown when wide enough)."""

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            yield Tree("All sections", id="sections")
            with Vertical(id="right"):
                yield Static(id="section-bar")
                yield DataTable(id="items", cursor_type="row", zebra_stripes=False)
                with VerticalScroll(id="detail-scroll"):
                    yield Static(id="detail")
        yield Input(id="filter", placeholder="filter: words, owner:DBA, status:failed, priority:P1 — esc clears")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        tree = self.query_one("#sections", Tree)
        tree.root.data = ALL
        tree.guide_depth = 2  # narrow indents: section progress stays visible
        for top in self.golive.checklist.section:
            self._add_section(tree.root, top)
        tree.root.expand()
        self.query_one("#filter", Input).display = False
        self._layout()
        self.refresh_view()
        self.query_one("#items", DataTable).focus()
        self.set_interval(30, self.refresh_ages)

    def _add_section(self, parent, section) -> None:
        node = parent.add(section.title, data=section.key, expand=True, allow_expand=bool(section.subsection))
        for sub in section.subsection:
            self._add_section(node, sub)

    # --- layout ------------------------------------------------------------------------------
    FIXED = (("Owner", "owner", 8), ("Status", "status", 9), ("Probe", "verdict", 10), ("Age", "age", 4))

    def _layout(self) -> bool:
        """Show or hide the tree, then give the title column what the fixed columns leave."""
        tree = self.query_one("#sections", Tree)
        wanted = self.tree_choice if self.tree_choice is not None else self.size.width >= NARROW
        if tree.display != wanted:
            tree.display = wanted
        self.query_one("#section-bar").display = not wanted
        table = self.query_one("#items", DataTable)
        tree_width = min(40, max(27, self.size.width * 28 // 100)) if wanted else 0
        # Cell padding is 1 a side; 2 more for the vertical scrollbar.
        title_width = max(12, self.size.width - tree_width - sum(w + 2 for _, _, w in self.FIXED) - 4)
        if "title" in table.columns and table.columns["title"].width == title_width:
            return False
        table.clear(columns=True)
        table.add_column("Item", key="title", width=title_width)
        for label, key, w in self.FIXED:
            table.add_column(label, key=key, width=w)
        return True

    def on_resize(self) -> None:
        if self._layout():  # resize events repeat while a terminal settles: redraw only on a real change
            self.refresh_view()

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
            elif token.startswith("priority:"):
                if token[9:] != item.priority.lower():
                    return False
            elif token not in f"{item.key} {item.title} {item.description} {item.owner}".lower():
                return False
        return True

    def refresh_view(self) -> None:
        app = self.golive
        now = app.now()
        self.query_one(HeaderBar).update(header_text(app))
        tree = self.query_one("#sections", Tree)
        section_map = app.checklist.section_map()
        for node in self._walk(tree.root):
            if node.data != ALL:
                section = section_map[node.data]
                node.set_label(f"{section_progress(section, app.state, now).label()} {section.title}")
        self._section_bar()
        table = self.query_one("#items", DataTable)
        current = self.current_item()
        self.rows = self.visible_items()
        table.clear()
        for item in self.rows:
            table.add_row(*self._cells(item), key=item.key)
        if current is not None and current in self.rows:
            table.move_cursor(row=self.rows.index(current), animate=False)
        self.show_detail()

    def _section_bar(self) -> None:
        app = self.golive
        if self.filter_text:
            label = f"Filter: {self.filter_text} — {len(self.visible_items())} items (esc clears)"
        elif self.section_key == ALL:
            label = f"All sections {progress(list(app.checklist.items()), app.state, app.now()).label()}"
        else:
            section = app.checklist.section_map()[self.section_key]
            label = f"{section.title} {section_progress(section, app.state, app.now()).label()}"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▸ " + label, style="bold")
        text.append("   t sections  [ ] prev/next", style="" if app.monochrome else "bright_black")
        self.query_one("#section-bar", Static).update(text)

    def _walk(self, node):
        yield node
        for child in node.children:
            yield from self._walk(child)

    def _cells(self, item: Item) -> list:
        app = self.golive
        istate = app.state.item(item.key)
        o = outcome(item, istate, app.now())
        probe = istate.probe
        status = outcome_text(o.state, app.monochrome)
        if o.reason and o.state != "waived":
            status.append("*")  # expired attestation or waiver: the detail pane says which
        if item.key in app.running:
            # Monochrome means a static glyph: nothing redraws on a slow link while probes run.
            verdict = Text(("… " if app.monochrome else SPINNER[self.spin % len(SPINNER)] + " ") + "running")
        else:
            verdict = verdict_text(probe.verdict if probe else None, app.monochrome, short=True)
        return [item.title, item.owner, status, verdict, age(probe.checked_at if probe else None, app.now())]

    def tick_spinner(self) -> None:
        """Advance the spinner of running rows only (a few cells, at most 4 updates a second)."""
        if not self.golive.running or self.golive.monochrome:
            return
        self.spin += 1
        table = self.query_one("#items", DataTable)
        for item in self.rows:
            if item.key in self.golive.running:
                table.update_cell(item.key, "verdict", Text(SPINNER[self.spin % len(SPINNER)] + " running"))

    def refresh_ages(self) -> None:
        """Ages of the last checks grow with the clock; only that column is redrawn."""
        table = self.query_one("#items", DataTable)
        now = self.golive.now()
        for item in self.rows:
            probe = self.golive.state.item(item.key).probe
            if probe is not None:
                table.update_cell(item.key, "age", age(probe.checked_at, now))

    def update_row(self, key: str) -> None:
        table = self.query_one("#items", DataTable)
        item = next((i for i in self.rows if i.key == key), None)
        if item is None:
            return
        for column, value in zip(("title", "owner", "status", "verdict", "age"), self._cells(item), strict=True):
            table.update_cell(key, column, value)

    def result_arrived(self, key: str) -> None:
        """A probe result was saved: redraw its row, the header, the tree labels, the detail."""
        self.update_row(key)
        app = self.golive
        self.query_one(HeaderBar).update(header_text(app))
        section_map = app.checklist.section_map()
        for node in self._walk(self.query_one("#sections", Tree).root):
            if node.data != ALL and (key.startswith(node.data + ".")):
                section = section_map[node.data]
                node.set_label(f"{section_progress(section, app.state, app.now()).label()} {section.title}")
        self._section_bar()
        self.show_detail()

    def current_item(self) -> Item | None:
        table = self.query_one("#items", DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show_detail(self) -> None:
        item = self.current_item()
        self.query_one("#detail", Static).update(detail_text(self.golive, item) if item else "No item here.")

    # --- events ------------------------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._select_section(event.node.data or ALL)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        self._select_section(event.node.data or ALL)
        if self.size.width < NARROW and self.tree_choice:
            # Narrow terminal: the tree is a drawer, picking a section closes it.
            self.tree_choice = None
            self._layout()
        self.query_one("#items", DataTable).focus()

    def _select_section(self, key: str) -> None:
        if key != self.section_key:
            self.section_key = key
            self.refresh_view()
            self.query_one("#items", DataTable).move_cursor(row=0, animate=False)
            self.show_detail()

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
        self.tree_choice = not tree.display
        if self._layout():
            self.refresh_view()
        (tree if tree.display else self.query_one("#items", DataTable)).focus()

    def action_step_section(self, step: int) -> None:
        keys = [ALL, *(s.key for s in self.golive.checklist.sections())]
        key = keys[(keys.index(self.section_key) + step) % len(keys)]
        tree = self.query_one("#sections", Tree)
        node = next(n for n in self._walk(tree.root) if (n.data or ALL) == key)
        tree.move_cursor(node)
        self._select_section(key)

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
