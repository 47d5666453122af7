"""The first frame, drawn before pydantic, the probes or any SDK are imported.

A captain opening the cockpit over SSH sees the checklist at once: titles, owners and the
recorded statuses read straight from the two TOML files with `tomllib`. Nothing here is
trusted or validated — the session loads (and validates) everything in a worker, and
the real main screen replaces this one a moment later. Any surprise while previewing
leaves the table empty: the loader, not the preview, reports bad input.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from ..text import safe_line, shorten
from ..vocab import OUTCOME_TERMS, VERDICT_TERMS
from .widgets.header import HeaderBar, Pane

STATUS_OUTCOME = {"done": "complete", "failed": "failed", "n/a": "n/a", "blocked": "blocked", "pending": "pending"}


def checklist_file(ref: str | None) -> Path:
    """The checklist a reference names: a path, a shipped name, or the shipped production one."""
    shipped = Path(str(resources.files("golive_tui") / "data" / "checklists"))
    if not ref:
        return shipped / "production.toml"
    if not Path(ref).exists() and (shipped / f"{ref}.toml").exists():
        return shipped / f"{ref}.toml"
    return Path(ref)


def _items(section: dict[str, Any], prefix: str):
    key = f"{prefix}.{section.get('id', '')}" if prefix else str(section.get("id", ""))
    for item in section.get("item", []):
        yield f"{key}.{item.get('id', '')}", item
    for sub in section.get("subsection", []):
        yield from _items(sub, key)


def preview_rows(checklist: str | None, state: str | None) -> tuple[str, list[tuple[str, str, str, str, str]]]:
    """(title, rows of key, title, owner, status, verdict) from the raw files; empty on any surprise."""
    try:
        raw = tomllib.loads(checklist_file(checklist).read_text(encoding="utf-8"))
        items = [pair for top in raw.get("section", []) for pair in _items(top, "")]
        title = str(raw.get("title", ""))
    except (OSError, ValueError, AttributeError, TypeError):
        return "", []
    recorded: dict[str, Any] = {}
    location = state or os.environ.get("GOLIVE_STATE") or "golive-state.toml"
    if not location.startswith("s3://"):
        try:
            text = Path(location).read_text(encoding="utf-8")
            head = text.split("\n[[audit]]", 1)[0]
            recorded = tomllib.loads(head).get("items", {})
        except (OSError, ValueError):
            recorded = {}
    rows = []
    for key, item in items:
        record = recorded.get(key, {}) if isinstance(recorded.get(key, {}), dict) else {}
        outcome = STATUS_OUTCOME.get(str(record.get("status", "pending")), "pending")
        if "waiver" in record:
            outcome = "waived"  # whether it is still valid is the loader's to say
        probe = record.get("probe") if isinstance(record.get("probe"), dict) else {}
        rows.append((key, safe_line(item.get("title", key)), safe_line(item.get("owner", "")), outcome,
                     str(probe.get("verdict", ""))))
    return safe_line(title), rows


class PreviewScreen(Screen):
    """Looks like the main screen; keys typed on it wait for the loaded cockpit (q, ctrl+c, ? and : work at once)."""

    def __init__(self, checklist: str | None, state: str | None) -> None:
        super().__init__()
        self.checklist_ref, self.state_ref = checklist, state

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(" ▸ loading the checklist and the record…", id="section-bar")
        # Drawn as one text, not a DataTable: the table's cell-by-cell rendering was ~30 ms of the first frame.
        yield Pane(id="items")
        yield Pane(id="detail-scroll")

    def on_mount(self) -> None:
        _, rows = preview_rows(self.checklist_ref, self.state_ref)
        pane = self.query_one("#items", Pane)
        tones = pane.tones
        title_width = max(12, self.size.width - 4 - (10 + 11 + 12 + 6))
        widths = (title_width, 8, 9, 10, 4)
        text = Text(no_wrap=True, overflow="ellipsis")
        for label, width in zip(("Item", "Owner", "Status", "Probe", "Age"), widths, strict=True):
            text.append(f" {label:<{width}} ", style=tones["strong"])
        for _key, name, owner, outcome, verdict in rows[: max(1, self.size.height)]:
            status, probe = OUTCOME_TERMS[outcome], VERDICT_TERMS.get(verdict)
            text.append("\n")
            text.append(f" {shorten(name, widths[0]):<{widths[0]}} ")
            text.append(f" {shorten(owner, widths[1]):<{widths[1]}} ")
            text.append(f" {str(status):<{widths[2]}} ", style=tones[status.tone])
            text.append(f" {str(probe) if probe else '':<{widths[3]}} ", style=tones[probe.tone] if probe else "")
        pane.update(text)
