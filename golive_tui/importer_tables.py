"""Markdown tables for `golive import`: what a table is (items, approvals, contacts, links,
change log) and how its rows become items, with metrics parsed from Target/Acceptable cells.

Columns are recognised by header name, case-insensitive; unknown columns are kept verbatim
in the item's `fields` so nothing in the source is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

EMOJI = re.compile(r":[a-z0-9_+-]+:")
OWNER = ("owner", "owners", "responsible", "team", "assignee", "owned by")
DESCRIPTION = ("description", "details", "detail", "notes", "what")
PRIORITY = ("priority", "prio")
DROPPED = ("status", "date", "current", "actual", "measured", "result", "met", "done", "checked", "state")
TICK_COLUMNS = ("status", "met", "done", "checked", "complete")
TICKS = ("[x]", "x", "✓", "✔", "✅", "done", "yes", "complete")
"""A row counts as checked when one of its TICK_COLUMNS holds one of these (the seed's `[x]`)."""
TARGET = ("target", "expected", "goal", "threshold", "slo", "sla")
ACCEPTABLE = ("acceptable", "tolerated", "tolerance")
PRIORITY_WORDS = {"p1": "P1", "p2": "P2", "p3": "P3", "critical": "P1", "high": "P1", "medium": "P2", "low": "P3"}

THRESHOLD = re.compile(
    r"^(?P<prefix>[a-z][\w ]*?)?\s*(?P<op><=|>=|≤|≥|<|>)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>%|[a-z/]+)?$",
    re.IGNORECASE,
)
UNITS = {
    "rps": "rps", "req/s": "rps", "requests/s": "rps", "requests/sec": "rps", "r/s": "rps",
    "ms": "ms", "msec": "ms", "milliseconds": "ms", "s": "s", "sec": "s", "secs": "s", "seconds": "s", "%": "%",
}
OPS = {"≤": "<=", "≥": ">="}


@dataclass
class Cell:
    text: str
    """Plain text: emphasis and link markup unwrapped."""
    href: str = ""
    """Target of the first link in the cell."""
    raw: str = ""
    """The cell's Markdown source (kept for `fields`, which are verbatim)."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]

    @property
    def names(self) -> list[str]:
        return [h.lower().strip() for h in self.header]

    def column(self, *wanted: str) -> int | None:
        """Index of the first column (after the title column) whose header is one of `wanted`."""
        for n, name in enumerate(self.names[1:], start=1):
            if name in wanted:
                return n
        return None

    def cell(self, row: list[Cell], index: int | None) -> Cell:
        return row[index] if index is not None and index < len(row) else Cell("")

    def items(self) -> list[tuple[dict[str, Any], bool]]:
        """(item, ticked) for every row with a title."""
        ticks = [n for n, name in enumerate(self.names) if n and name in TICK_COLUMNS]
        return [(item, any(self.cell(row, n).text.lower() in TICKS for n in ticks))
                for row in self.rows if (item := self._item(row)) is not None]

    def _item(self, row: list[Cell]) -> dict[str, Any] | None:
        if not row or not row[0].text:
            return None
        item: dict[str, Any] = {"title": row[0].text}
        fields: dict[str, str] = {}
        metric: dict[str, Any] = {}
        label = ""
        for n, (name, header) in enumerate(zip(self.names, self.header, strict=False)):
            value = self.cell(row, n).text
            if n == 0 or not value:
                continue
            if name in OWNER:
                item["owner"] = value
            elif name in DESCRIPTION:
                item["description"] = value
            elif name in PRIORITY and value.lower() in PRIORITY_WORDS:
                item["priority"] = PRIORITY_WORDS[value.lower()]
            elif name in DROPPED:
                continue
            elif name == "metric":  # "Service | Metric | Target": what is measured
                label = value
            elif name in TARGET or name in ACCEPTABLE:
                context = f"{label} {row[0].text}"
                bound = threshold(value, context)
                if bound is None:
                    fields[header] = value
                    continue
                metric["acceptable" if name in ACCEPTABLE else "target"] = bound
                if name == "expected":
                    metric["expected"] = value
            else:
                fields[header] = self.cell(row, n).raw or value
        if label:
            item.setdefault("description", label)
        if "target" in metric:
            metric["label"] = label or row[0].text
            item["metric"] = metric
        elif "acceptable" in metric:  # no goal to measure against: keep the text
            fields[self.header[self.column(*ACCEPTABLE) or 0]] = self.cell(row, self.column(*ACCEPTABLE)).text
        if fields:
            item["fields"] = fields
        return item

    def records(self, kind: str) -> list[dict[str, str]]:
        out = []
        for row in self.rows:
            first = row[0].text if row else ""
            if not first:
                continue
            if kind == "approval":
                out.append({"role": first})
            elif kind == "contact":
                out.append({"role": first, "contact": self.cell(row, self.column("contact", "email", "pager", "name")).text,
                            "phone": self.cell(row, self.column("phone", "telephone", "mobile")).text})
            elif kind == "link":
                url = self.cell(row, self.column("url", "link", "address"))
                out.append({"name": first, "url": url.href or url.text})
            elif kind == "changelog":
                record = {"date": first}
                for key in ("version", "author", "changes"):
                    record[key] = self.cell(row, self.column(key, *(("description",) if key == "changes" else ()))).text
                out.append(record)
        return out


def table_kind(table: Table) -> str:
    """`items`, or the checklist record a table holds: approval, contact, link, changelog."""
    names = table.names
    first, rest = (names[0] if names else ""), set(names[1:])
    if first in ("role", "approver") and rest & {"approval", "signature", "signed", "sign-off"}:
        return "approval"
    if first in ("role", "name") and rest & {"phone", "telephone", "mobile", "pager", "email"}:
        return "contact"
    if first == "date" and {"version"} <= rest and rest & {"author", "changes"}:
        return "changelog"
    if len(names) <= 3 and rest & {"url", "link", "address"} and not rest & set(DROPPED):
        return "link"
    return "items"


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


def inline_text(token: Token) -> str:
    """Plain text of an inline token: emphasis and link markup unwrapped, shortcodes dropped."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join(EMOJI.sub("", "".join(parts)).split())


def table_rows(tokens: list[Token]) -> Table:
    """The header and body cells of one table (tokens from table_open to table_close)."""
    header: list[str] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    in_head = False
    for n, tok in enumerate(tokens):
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and n and tokens[n - 1].type in ("th_open", "td_open"):
            href = next((str(c.attrs.get("href", "")) for c in tok.children or [] if c.type == "link_open"), "")
            row.append(Cell(inline_text(tok), href, tok.content.replace("\\|", "|").strip()))
        elif tok.type == "tr_close":
            if in_head:
                header = [c.text for c in row]
            else:
                rows.append(row)
    return Table(header, rows)
