"""What every report shows about an item, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..decision import outcome
from ..model import Checklist, Item
from ..state_model import State

STATUS_MARK = {"complete": "[x]", "pending": "[ ]", "n/a": "n/a", "waived": "waived", "failed": "FAILED", "blocked": "blocked"}


@dataclass
class ItemView:
    item: Item
    state: str
    reason: str
    status: str
    verdict: str
    summary: str
    evidence: str
    value: float | None
    unit: str
    checked_at: datetime | None
    duration_ms: float | None
    note: str
    attached: str
    by: str
    at: datetime | None
    waiver: dict | None

    @property
    def current(self) -> str:
        if self.value is None:
            return ""
        return f"{self.value:.4g}{self.unit if self.unit in ('%', 'ms', 's', '') else ' ' + self.unit}"

    @property
    def date(self) -> str:
        when = self.at or self.checked_at
        return f"{when:%Y-%m-%d}" if when else ""


def item_view(item: Item, state: State, now: datetime) -> ItemView:
    istate = state.item(item.key)
    o = outcome(item, istate, now)
    probe = istate.probe
    waiver = istate.waiver.model_dump() if istate.waiver else None
    return ItemView(
        item, o.state, o.reason, istate.status, probe.verdict if probe else "", probe.summary if probe else "",
        probe.evidence if probe else "", probe.value if probe else None, probe.unit if probe else "",
        probe.checked_at if probe else None, probe.duration_ms if probe else None, istate.note, istate.evidence,
        istate.by, istate.at, waiver,
    )


def views(checklist: Checklist, state: State, now: datetime, only: set[str] | None = None) -> list[ItemView]:
    return [item_view(i, state, now) for i in checklist.items() if only is None or i.key in only]


def cell(text: str) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")
