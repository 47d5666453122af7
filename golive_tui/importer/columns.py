"""What the columns and cells of an imported Markdown table mean.

Header names by role (title, owner, description, links, priority in `priorities`, target…),
the columns golive fills itself and drops, tick marks and boxes, and threshold cells such as
`< 50ms` or `99.9%`. `tables` uses these to read a table; they are words and patterns only.
"""

from __future__ import annotations

import re
from typing import Any

TITLE = (
    "item",
    "items",
    "check",
    "checks",
    "check name",
    "checklist item",
    "task",
    "tasks",
    "title",
    "name",
    "requirement",
    "requirements",
    "control",
    "step",
    "practice",
    "best practice",
    "test",
    "criteria",
    "criterion",
    "activity",
    "action",
    "deliverable",
    "finding",
    "issue",
    "question",
    "feature",
)
IDS = ("id", "#", "no", "nr", "number", "ref", "key")
"""Columns numbering the rows: never the title when another column has words."""
OWNER = (
    "owner",
    "owners",
    "responsible",
    "team",
    "assignee",
    "owned by",
    "assigned to",
    "who",
    "dri",
)
DESCRIPTION = (
    "description",
    "short description",
    "long description",
    "details",
    "detail",
    "notes",
    "note",
    "what",
    "comment",
    "comments",
    "explanation",
    "summary",
    "remarks",
    "rationale",
    "why",
)
LINKS = (
    "link",
    "links",
    "reference",
    "references",
    "resources",
    "docs",
    "documentation",
    "see also",
    "more info",
)
DROPPED = (
    "status",
    "date",
    "current",
    "actual",
    "measured",
    "result",
    "met",
    "done",
    "checked",
    "state",
)
"""Columns golive fills itself (reports write Status, Date, Current again): not kept as fields."""
TICK_NAMES = ("status", "met", "done", "checked", "complete", "completed")
TICK_GLYPHS = ("", "ok", "✓", "✔", "✅", "☐", "☑", "[ ]", "[x]", "x")
BOXES = ("[ ]", "[x]", "☐", "☑", "☒", "□", "▢")
TICKS = ("[x]", "x", "✓", "✔", "✅", "☑", "☒", "done", "yes", "y", "complete", "completed")
"""A row counts as checked when a tick column (or a box in its title cell) holds one of these."""
TARGET = ("target", "expected", "goal", "threshold", "slo", "sla")
ACCEPTABLE = ("acceptable", "tolerated", "tolerance")
LEADING_BOX = re.compile(r"^\s*(\[[ xX]\]|[☐☑☒□▢])\s*")

THRESHOLD = re.compile(
    r"^(?P<prefix>[a-z][\w ]*?)?\s*(?P<op><=|>=|≤|≥|<|>)?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>%|[a-z/]+)?$",
    re.IGNORECASE,
)
UNITS = {
    "rps": "rps",
    "req/s": "rps",
    "requests/s": "rps",
    "requests/sec": "rps",
    "r/s": "rps",
    "ms": "ms",
    "msec": "ms",
    "milliseconds": "ms",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "seconds": "s",
    "%": "%",
}
OPS = {"≤": "<=", "≥": ">="}


def mark(text: str) -> str:
    """A cell's mark as compared with TICKS and BOXES: lower case, no emoji variation selector."""
    return text.replace("\ufe0f", "").strip().lower()


def threshold(text: str, context: str = "") -> dict[str, Any] | None:
    """`< 50ms`, `99.9%`, `1000 RPS`, `p95 < 200ms` -> {op, value, unit}; None if not a number."""
    match = THRESHOLD.match(text.strip())
    if not match or (match["prefix"] and not match["op"]):
        return None
    unit_text = (match["unit"] or "").lower()
    unit = UNITS.get(unit_text, unit_text)
    if not unit and re.search(r"/\s*sec|per second|\brps\b", context, re.IGNORECASE):
        unit = "rps"
    op = OPS.get(match["op"] or "", match["op"] or "")
    if not op:
        # A bare goal is a ceiling for durations and a floor for rates and availabilities.
        op = "<=" if unit in ("ms", "s") else ">="
    return {"op": op, "value": float(match["num"].replace(",", "")), "unit": unit}
