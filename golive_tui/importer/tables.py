"""Markdown tables for `golive import`: what a table is (items, approvals, contacts, links, change
log, go/no-go criteria) and how its rows become items.

Columns are recognised by header name, case-insensitive. The title column is the first one
named like a title (Item, Check, Task, Requirement…), else the first with words in it; a
tick column (Status, Done, ✓, or one holding only boxes ☐ [ ] [x]) may sit anywhere, and a
box in the title cell (`| [ ] All code reviewed |`) counts too. Unknown columns are kept
verbatim in the item's `fields`, so nothing in the source is lost. The header names and cell
marks themselves are listed in `columns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from .columns import (
    ACCEPTABLE,
    BOXES,
    DESCRIPTION,
    DROPPED,
    IDS,
    LEADING_BOX,
    LINKS,
    OWNER,
    TARGET,
    TICK_GLYPHS,
    TICK_NAMES,
    TICKS,
    TITLE,
    mark,
    threshold,
)
from .draft import Draft
from .inline import Inline, one_line, read_inline
from .priorities import PRIORITY_HEADERS, criterion_of, is_code, priority_of


@dataclass
class Cell:
    value: Inline
    """The cell as a value: shortcodes shown as their emoji, links collected."""
    token: Token | None = None
    raw: str = ""
    """The cell's Markdown source (kept for `fields`, which are verbatim)."""

    @property
    def text(self) -> str:
        return self.value.text


EMPTY = Cell(Inline())


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]
    line: int = 1
    names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = [
            " ".join(re.sub(r"[*_`:\ufe0f]", " ", h.lower()).split()) for h in self.header
        ]

    def cell(self, row: list[Cell], index: int | None) -> Cell:
        return row[index] if index is not None and index < len(row) else EMPTY

    def column(self, *wanted: str) -> int | None:
        """Index of the first column (after the first) whose header is one of `wanted`."""
        return next((n for n, name in enumerate(self.names[1:], start=1) if name in wanted), None)

    def _values(self, n: int) -> list[str]:
        return [mark(self.cell(row, n).text) for row in self.rows if self.cell(row, n).text]

    def _is_tick(self, n: int) -> bool:
        """A Status/Done/Met column, or any column (a bare or glyph header) that holds only
        marks."""
        if self.names[n] in TICK_NAMES:
            return True
        values = self._values(n)
        if not values:
            return False
        return all(v in BOXES for v in values) or (
            self.names[n] in TICK_GLYPHS and all(v in TICKS or v in BOXES for v in values)
        )

    def _has_words(self, n: int) -> bool:
        values = [LEADING_BOX.sub("", self.cell(row, n).text) for row in self.rows]
        worded = [v for v in values if any(c.isalpha() for c in v)]
        return bool(worded) and len(worded) * 2 >= len([v for v in values if v])

    def title_column(self, ticks: set[int]) -> int | None:
        """The title column: named like one, else the first with words that is not a known role."""
        for n, name in enumerate(self.names):
            if name in TITLE and n not in ticks and self._has_words(n):
                return n
        roles = OWNER + DESCRIPTION + LINKS + DROPPED + PRIORITY_HEADERS + TARGET + ACCEPTABLE + IDS
        candidates = [n for n in range(len(self.names)) if n not in ticks and self._has_words(n)]
        return next(
            (n for n in candidates if self.names[n] not in roles),
            candidates[0] if candidates else None,
        )

    def items(self) -> list[Draft]:
        """A draft for every row with a title."""
        ticks = {n for n in range(len(self.names)) if self._is_tick(n)}
        title = self.title_column(ticks)
        if title is None:
            return []
        plan = _Plan(self, title, ticks)
        return [
            draft
            for n, row in enumerate(self.rows)
            if (draft := plan.item(row, self.line + 2 + n)) is not None
        ]

    def records(self, kind: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in self.rows:
            first = row[0].text if row else ""
            if not first:
                continue
            if kind == "approval":
                out.append({"role": first})
            elif kind == "contact":
                out.append(
                    {
                        "role": first,
                        "contact": self.cell(
                            row, self.column("contact", "email", "pager", "name")
                        ).text,
                        "phone": self.cell(row, self.column("phone", "telephone", "mobile")).text,
                    }
                )
            elif kind == "link":
                url = self.cell(row, self.column("url", "link", "address"))
                out.append(
                    {"name": first, "url": url.value.links[0][1] if url.value.links else url.text}
                )
            elif kind == "changelog":
                record = {"date": first}
                for key in ("version", "author", "changes"):
                    record[key] = self.cell(
                        row, self.column(key, *(("description",) if key == "changes" else ()))
                    ).text
                out.append(record)
            elif kind == "criterion" and (criterion := criterion_of(first)) is not None:
                out.append(criterion)
        return out


class _Plan:
    """Which column of a table plays which part, decided once for all its rows."""

    def __init__(self, table: Table, title: int, ticks: set[int]) -> None:
        self.table, self.title, self.ticks = table, title, ticks
        names = table.names
        self.description = next(
            (
                n
                for n, name in enumerate(names)
                if n != title
                and n not in ticks
                and (name in DESCRIPTION or name.endswith(" description"))
            ),
            None,
        )
        # A priority column that mixes words and golive's own codes keeps the words only (the code
        # is the priority).
        self.keep_codes = {
            n
            for n, name in enumerate(names)
            if name in PRIORITY_HEADERS and all(is_code(v) for v in table._values(n))
        }
        self.label = table.column("metric") if title != table.column("metric") else None
        taken: dict[str, int] = {}
        self.keys = []
        for n, header in enumerate(table.header):
            key = one_line(header) or f"Column {n + 1}"
            taken[key] = taken.get(key, 0) + 1
            self.keys.append(key if taken[key] == 1 else f"{key} ({taken[key]})")

    def item(self, row: list[Cell], line: int) -> Draft | None:
        table = self.table
        head = table.cell(row, self.title)
        value = read_inline(head.token, title=True) if head.token is not None else head.value
        text, ticked = value.text, False
        if box := LEADING_BOX.match(text):
            text, ticked = text[box.end() :], mark(box.group(1)) in TICKS
        if not text:
            return None
        draft = Draft(
            text,
            line,
            ticked=ticked or any(mark(table.cell(row, n).text) in TICKS for n in self.ticks),
        )
        draft.add_links(value.links)
        if value.badge:
            draft.set_priority(value.badge[1], value.badge[0])
        metric: dict[str, Any] = {}
        for n, name in enumerate(table.names):
            cell = table.cell(row, n)
            if n == self.title or n in self.ticks or not (cell.text or cell.value.badge):
                continue
            if cell.value.badge:  # an image badge (`<img alt="High">`) anywhere in the row
                draft.set_priority(cell.value.badge[1], cell.value.badge[0], self.keys[n])
                if not cell.text:
                    continue
            if n == self.description:
                draft.describe(cell.text)
                draft.add_links(cell.value.links)
            elif name in OWNER:
                draft.owner = cell.text
            elif name in LINKS and cell.value.links:
                draft.add_links(cell.value.links)
            elif name in PRIORITY_HEADERS and (priority := priority_of(cell.text)) is not None:
                keep = (
                    not is_code(cell.text)
                    or n in self.keep_codes
                    or name not in ("priority", "prio")
                )
                draft.set_priority(priority, cell.raw if keep else "", self.keys[n])
            elif name in DROPPED:
                continue
            elif n == self.label:  # "Service | Metric | Target": what is measured
                metric["label"] = cell.text
            elif name in TARGET or name in ACCEPTABLE:
                context = f"{metric.get('label', '')} {text}"
                bound = threshold(cell.text, context)
                if bound is None:
                    draft.fields[self.keys[n]] = cell.text
                    continue
                metric["acceptable" if name in ACCEPTABLE else "target"] = bound
                if name == "expected":
                    metric["expected"] = cell.text
            else:
                draft.fields[self.keys[n]] = cell.raw or cell.text
        label = metric.get("label", "")
        if label and not draft.description:
            draft.describe(label)
        if "target" in metric:
            metric["label"] = label or text
            draft.metric = metric
        elif "acceptable" in metric:  # no goal to measure against: keep the text
            column = table.column(*ACCEPTABLE)
            draft.fields[self.keys[column or 0]] = table.cell(row, column).text
        return draft


def table_kind(table: Table) -> str:
    """`items`, or the checklist record a table holds: approval, contact, link, changelog,
    criterion."""
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
    if (
        first in ("criteria", "criterion")
        and "met" in rest
        and table.rows
        and all(criterion_of(row[0].text if row else "") for row in table.rows)
    ):
        return (
            "criterion"  # golive's own go/no-go table (a report read back): rules it can evaluate
        )
    return "items"


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
            # `\|` and `\<` are how a report escapes a cell: the same text as `|` and `<` (reports
            # escape them again).
            row.append(
                Cell(
                    read_inline(tok),
                    tok,
                    tok.content.replace("\\|", "|").replace("\\<", "<").strip(),
                )
            )
        elif tok.type == "tr_close":
            if in_head:
                header = [c.text for c in row]
            else:
                rows.append(row)
    line = (tokens[0].map or (0, 0))[0] + 1 if tokens else 1
    return Table(header, rows, line)
