"""The performance screen: each metric, its target and acceptable bound, the current value, the
last hour as a sparkline (Prometheus range query), the verdict — and why, for an error."""

from __future__ import annotations

from rich.color import Color
from rich.text import Text
from textual.app import ComposeResult
from textual.renderables.sparkline import Sparkline
from textual.widgets import DataTable

from ...model import Item
from ...text import safe_line, shorten
from ...trends import Trend
from ...vocab import format_value
from .. import keymap
from ..render import term_text
from ..widgets.header import Pane
from ..widgets.table import GoliveTable
from .base import Page

COLUMNS = (
    ("Target", "target", 8),
    ("Acceptable", "acceptable", 10),
    ("Current", "current", 8),
    ("Last hour", "trend", 12),
    ("Verdict", "verdict", 9),
)
TREND_WIDTH = 12


class PerformanceScreen(Page):
    SCOPE = "performance"
    BINDINGS = keymap.bindings("performance")

    def __init__(self) -> None:
        super().__init__()
        self.trends_for = -1
        """The sweeps_ended count the trends were fetched for: a new sweep fetches them again."""

    def compose_body(self) -> ComposeResult:
        yield Pane(id="perf-title", classes="page-title")
        yield GoliveTable(id="metrics")
        yield Pane(id="perf-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#metrics").focus()
        self._fetch_trends()

    def _fetch_trends(self) -> None:
        if self.trends_for != self.cockpit.sweeps_ended:
            self.trends_for = self.cockpit.sweeps_ended
            self.golive.prober.fetch_trends()

    def refresh_chrome(self) -> None:
        super().refresh_chrome()
        if self.is_current:
            self._fetch_trends()  # a sweep ended while this page is in view: the last hour moved on

    @property
    def metrics(self) -> list[Item]:
        return [i for i in self.cockpit.session.checklist.items() if i.metric is not None]

    def _columns(self, table: GoliveTable) -> None:
        # Cell padding is 1 a side; 2 more for the scrollbar. The name column takes the rest and
        # wraps.
        rest = max(14, self.size.width - sum(w + 2 for _, _, w in COLUMNS) - 4)
        if table.column_width("metric") == rest:
            return
        table.clear(columns=True)
        table.add_column("Metric", key="metric", width=rest)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)

    def refresh_view(self) -> None:
        self.refresh_chrome()
        table = self.query_one("#metrics", GoliveTable)
        self._columns(table)
        tones = table.tones
        row = table.cursor_row
        table.clear()
        met = 0
        trends = self.cockpit.trends
        width = table.column_width("metric") or 14
        for item in self.metrics:
            probe = self.cockpit.session.state.item(item.key).probe
            met += bool(probe and probe.verdict in ("pass", "acceptable"))
            m = item.metric
            assert m is not None
            name = Text(
                safe_line(
                    item.title
                    if not m.label or m.label == item.title
                    else f"{item.title}: {m.label}"
                )
            )
            if probe and probe.verdict == "error":
                name.append("\n" + shorten(safe_line(probe.summary), width * 2), style=tones["bad"])
            current = (
                format_value(probe.value, probe.unit) if probe and probe.value is not None else "—"
            )
            verdict = (
                term_text(probe.verdict, tones, short=True)
                if probe
                else Text("· not run", style=tones["dim"])
            )
            table.add_row(
                name,
                str(m.target),
                str(m.acceptable or safe_line(m.expected) or ""),
                current,
                self._trend(trends.get(item.key)),
                verdict,
                key=item.key,
                height=None,
            )
        if row is not None and 0 <= row < table.row_count:
            table.move_cursor(row=row, animate=False)
        title = self.query_one("#perf-title", Pane)
        title.update(
            Text(
                f"Performance benchmarks — {met}/{len(self.metrics)} within target or acceptable",
                style=title.tones["strong"],
            )
        )
        self.show_detail()

    def _trend(self, trend: Trend | None) -> Text | Sparkline[float]:
        table = self.query_one("#metrics", GoliveTable)
        if trend is None:
            return Text("…" if self.cockpit.trends_loading else "", style=table.tones["dim"])
        if not trend.values:
            return Text(
                trend.cell, style=table.tones["dim"]
            )  # why there is none (the detail says it in full)
        low, high = table.tones["ok"].color, table.tones["bad"].color
        return Sparkline(
            list(trend.values),
            width=TREND_WIDTH,
            min_color=low or Color.default(),
            max_color=high or Color.default(),
        )

    def show_detail(self) -> None:
        table = self.query_one("#metrics", GoliveTable)
        pane = self.query_one("#perf-detail", Pane)
        items = self.metrics
        row = table.cursor_row
        if not items or row is None or not 0 <= row < len(items):
            pane.update("")
            return
        item = items[row]
        probe = self.cockpit.session.state.item(item.key).probe
        trend = self.cockpit.trends.get(item.key)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(
            safe_line(probe.summary) if probe else "not measured yet (p probes every metric)"
        )
        unit = item.metric.target.unit if item.metric is not None else ""
        if trend is not None and trend.values:
            text.append(
                f"\nlast hour: min {format_value(min(trend.values), unit)}, "
                f"max {format_value(max(trend.values), unit)}",
                style=pane.tones["dim"],
            )
        elif trend is not None and trend.error:
            text.append(f"\nlast hour: {safe_line(trend.error)}", style=pane.tones["dim"])
        pane.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_item()

    def action_open_item(self) -> None:
        row = self.query_one("#metrics", GoliveTable).cursor_row
        items = self.metrics
        if row is not None and 0 <= row < len(items):
            self.golive.open_item(items[row], [i.key for i in items])

    def action_probe_section(self) -> None:
        self.golive.prober.sweep(self.metrics)
