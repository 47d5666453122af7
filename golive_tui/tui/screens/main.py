"""The main screen: section tree, the items of the section (or the filter), the selected item's
detail.

Below NARROW columns (80x24 over SSH) the tree hides behind `t` and a one-line section bar
takes its place, so item titles keep their width; `[` and `]` step through sections.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Tree
from textual.widgets.tree import TreeNode

from ...cockpit.views import progress_label, section_label
from ...errors import GoliveError
from ...model import Item, Section
from ...selection import Filter, filter_items, parse_filter
from .. import keymap
from ..render import age, detail_text, row_cells, spinner_cell
from ..widgets.header import Pane
from ..widgets.table import GoliveTable
from .base import Page

ALL = "*"
NARROW = 100
"""Below this width the section tree starts hidden."""
FIXED = (
    ("Owner", "owner", 8),
    ("Status", "status", 9),
    ("Probe", "verdict", 10),
    ("Age", "age", 4),
)


class MainScreen(Page):
    SCOPE = "main"
    BINDINGS = keymap.bindings("main")

    def __init__(self) -> None:
        super().__init__()
        self.section_key = ALL
        self.filter = Filter()
        self.filter_error = ""
        self.rows: list[Item] = []
        self.spin = 0
        self.tree_choice: bool | None = None
        """The user's `t` choice; None: automatic (shown when wide enough)."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Tree("All sections", id="sections")
            with Vertical(id="right"):
                yield Pane(id="section-bar")
                yield GoliveTable(id="items")
                with VerticalScroll(id="detail-scroll"):
                    yield Pane(id="detail")
        yield Input(
            id="filter",
            compact=True,
            placeholder=(
                "filter: words owner:dba status:failed verdict:error priority:p1 — esc clears"
            ),
        )

    def on_mount(self) -> None:
        tree = self.query_one("#sections", Tree)
        tree.root.data = ALL
        tree.guide_depth = 2  # narrow indents: section progress stays visible
        for top in self.cockpit.session.checklist.section:
            self._add_section(tree.root, top)
        tree.root.expand()
        self.query_one("#filter", Input).display = False
        self._layout()
        self.refresh_view()
        self.table.focus()
        self.set_interval(30, self.refresh_ages)
        # 4 updates a second at most, and only while probes run: no flood on a slow SSH link.
        self.set_interval(0.25, self.tick_spinner)

    @property
    def table(self) -> GoliveTable:
        return self.query_one("#items", GoliveTable)

    def _add_section(self, parent: TreeNode[str], section: Section) -> None:
        node = parent.add(
            section.title, data=section.key, expand=True, allow_expand=bool(section.subsection)
        )
        for sub in section.subsection:
            self._add_section(node, sub)

    # --- layout ------------------------------------------------------------------------------
    def _layout(self) -> bool:
        """Show or hide the tree, then give the title column what the fixed columns leave."""
        tree = self.query_one("#sections", Tree)
        wanted = self.tree_choice if self.tree_choice is not None else self.size.width >= NARROW
        if tree.display != wanted:
            tree.display = wanted
        self.query_one("#section-bar").display = not wanted or bool(self.filter.text)
        table = self.table
        tree_width = min(40, max(27, self.size.width * 28 // 100)) if wanted else 0
        # Cell padding is 1 a side; 2 more for the vertical scrollbar.
        title_width = max(12, self.size.width - tree_width - sum(w + 2 for _, _, w in FIXED) - 4)
        if table.column_width("title") == title_width:
            return False
        table.clear(columns=True)
        table.add_column("Item", key="title", width=title_width)
        for label, key, w in FIXED:
            table.add_column(label, key=key, width=w)
        return True

    def on_resize(self) -> None:
        if (
            self._layout()
        ):  # resize events repeat while a terminal settles: redraw only on a real change
            self.refresh_view()

    # --- rendering -------------------------------------------------------------------------
    def visible_items(self) -> list[Item]:
        session = self.cockpit.session
        if self.section_key == ALL or self.filter:
            items = list(session.checklist.items())
        else:
            items = list(session.checklist.section_map()[self.section_key].all_items())
        return (
            filter_items(items, self.filter, session.state, self.cockpit.now())
            if self.filter
            else items
        )

    def refresh_view(self) -> None:
        self.refresh_chrome()
        session, now = self.cockpit.session, self.cockpit.now()
        section_map = session.checklist.section_map()
        for node in self._walk(self.query_one("#sections", Tree).root):
            if node.data is not None and node.data != ALL:
                node.set_label(section_label(section_map[node.data], session.state, now))
        current = self.current_item()
        self.rows = self.visible_items()
        self._section_bar()
        table = self.table
        table.clear()
        for item in self.rows:
            table.add_row(*self._cells(item), key=item.key)
        if current is not None and current in self.rows:
            table.move_cursor(row=self.rows.index(current), animate=False)
        self.show_detail()

    def _section_bar(self) -> None:
        session, now = self.cockpit.session, self.cockpit.now()
        bar = self.query_one("#section-bar", Pane)
        tones = bar.tones
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.filter_error:
            text.append(f"▸ {self.filter_error}", style=tones["bad"])
        elif self.filter:
            text.append(
                f"▸ filter {self.filter.text}: {len(self.rows)} items (esc clears)",
                style=tones["strong"],
            )
        elif self.section_key == ALL:
            text.append(
                "▸ All sections "
                f"{progress_label(list(session.checklist.items()), session.state, now)}",
                style=tones["strong"],
            )
        else:
            section = session.checklist.section_map()[self.section_key]
            text.append(f"▸ {section_label(section, session.state, now)}", style=tones["strong"])
        text.append("   t sections  [ ] prev/next", style=tones["dim"])
        bar.update(text)

    def _walk(self, node: TreeNode[str]) -> Iterator[TreeNode[str]]:
        yield node
        for child in node.children:
            yield from self._walk(child)

    def _cells(self, item: Item) -> list[Text]:
        cockpit = self.cockpit
        return row_cells(
            cockpit.row(item),
            cockpit.now(),
            self.table.tones,
            None if cockpit.monochrome else self.spin,
        )

    def tick_spinner(self) -> None:
        """Advance the spinner of running rows only (a few cells, at most 4 updates a second)."""
        running = self.cockpit.running
        if not running or self.cockpit.monochrome:
            return
        self.spin += 1
        spinner = spinner_cell(
            self.spin, self.table.tones
        )  # only the verdict cell turns: one Text for all
        for item in self.rows:
            if item.key in running:
                self.table.update_cell(item.key, "verdict", spinner)

    def refresh_ages(self) -> None:
        """Ages of the last checks grow with the clock; only that column is redrawn."""
        now, state = self.cockpit.now(), self.cockpit.session.state
        for item in self.rows:
            probe = state.item(item.key).probe
            if probe is not None:
                self.table.update_cell(item.key, "age", age(probe.checked_at, now))

    def update_row(self, key: str) -> None:
        item = next((i for i in self.rows if i.key == key), None)
        if item is not None:
            for column, value in zip(
                ("title", "owner", "status", "verdict", "age"), self._cells(item), strict=True
            ):
                self.table.update_cell(key, column, value)

    def rows_changed(self, keys: frozenset[str]) -> None:
        """Probe results were saved: redraw their rows, the header, the labels, the detail."""
        for key in keys:
            self.update_row(key)
        self.refresh_chrome()
        session, now = self.cockpit.session, self.cockpit.now()
        section_map = session.checklist.section_map()
        for node in self._walk(self.query_one("#sections", Tree).root):
            if (
                node.data is not None
                and node.data != ALL
                and any(key.startswith(node.data + ".") for key in keys)
            ):
                node.set_label(section_label(section_map[node.data], session.state, now))
        self._section_bar()
        self.show_detail()

    def current_item(self) -> Item | None:
        table = self.table
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def show_detail(self) -> None:
        item = self.current_item()
        pane = self.query_one("#detail", Pane)
        if item is None:
            pane.update(
                "No item here." if not self.filter else "No item matches the filter (esc clears)."
            )
            return
        pane.update(detail_text(self.cockpit.item(item), pane.tones))

    def select(self, key: str) -> bool:
        """Put the cursor on an item, widening the view (all sections, no filter) if it is
        hidden."""
        if key not in [i.key for i in self.rows]:
            self._clear_filter()
            self.section_key = ALL
            self.refresh_view()
        keys = [i.key for i in self.rows]
        if key not in keys:
            return False
        self.table.move_cursor(row=keys.index(key), animate=False)
        self.show_detail()
        return True

    # --- events ------------------------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        self._select_section(event.node.data or ALL)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        self._select_section(event.node.data or ALL)
        if self.size.width < NARROW and self.tree_choice:
            # Narrow terminal: the tree is a drawer, picking a section closes it.
            self.tree_choice = None
            self._layout()
        self.table.focus()

    def _select_section(self, key: str) -> None:
        if key != self.section_key:
            self.section_key = key
            self.refresh_view()
            self.table.move_cursor(row=0, animate=False)
            self.show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_item()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        try:
            self.filter, self.filter_error = parse_filter(event.value), ""
        except GoliveError as exc:
            self.filter_error = str(exc)  # the table keeps the last good filter while one is typed
            self._section_bar()
            return
        self._layout()
        self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.table.focus()

    # --- actions -----------------------------------------------------------------------------
    def action_toggle_tree(self) -> None:
        tree = self.query_one("#sections", Tree)
        self.tree_choice = not tree.display
        if self._layout():
            self.refresh_view()
        (tree if tree.display else self.table).focus()

    def action_step_section(self, step: int) -> None:
        keys = [ALL, *(s.key for s in self.cockpit.session.checklist.sections())]
        key = keys[(keys.index(self.section_key) + step) % len(keys)]
        tree = self.query_one("#sections", Tree)
        node = next(n for n in self._walk(tree.root) if (n.data or ALL) == key)
        tree.move_cursor(node)
        self._select_section(key)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def _clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.display = False
        self.filter, self.filter_error = Filter(), ""
        self._layout()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus or self.filter or self.filter_error:
            self._clear_filter()
            self.refresh_view()
            self.table.focus()
        else:
            self.cockpit.cancel()

    def action_next_failure(self) -> None:
        """The first failing item (fail/error verdict or failed status) after the cursor,
        wrapping."""
        key = self.cockpit.next_failure(self.current_item())
        if key is None:
            self.app.notify("no failing item", timeout=3)
        else:
            self.select(key)

    def action_open_item(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.open_item(item, [i.key for i in self.rows])

    def action_cycle(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.recorder.cycle(item)

    def action_mark(self, status: str) -> None:
        if (item := self.current_item()) is not None:
            self.golive.recorder.mark(item, status)

    def action_edit(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.recorder.edit_note(item)

    def action_waive(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.recorder.waive(item)

    def action_probe_item(self) -> None:
        if (item := self.current_item()) is not None:
            self.golive.prober.probe_one(item)

    def action_probe_section(self) -> None:
        self.golive.prober.sweep(self.visible_items())
