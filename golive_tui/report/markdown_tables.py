"""The seed document's tables in Markdown: the items of a section, its benchmark (metric) tables.

Cells are plain text escaped here (`cell`), one line each, unless already Markdown (links);
the first column is bold as in the seed. markdown.py decides which table a section gets and
writes everything around them; `golive import` reads these tables back.
"""

from __future__ import annotations

from ..model import Item, Link
from .common import STATUS_MARK, ItemView, Markdown, cell, linked, md_link


def item_table(views: list[ItemView]) -> list[str]:
    has_description = any(v.item.description for v in views)
    has_owner = any(v.item.owner for v in views)
    extra = list(dict.fromkeys(name for v in views for name in v.item.fields))
    # The item's links inside its title and description where their names stand, the others in a
    # Links column.
    shown = [linked_cells(v.item) for v in views]
    has_links = any(rest for _, _, rest in shown)
    head = (
        ["Item"]
        + (["Description"] if has_description else [])
        + (["Owner"] if has_owner else [])
        + extra
        + (["Links"] if has_links else [])
        + ["Status", "Date"]
    )
    rows = []
    for v, (title, description, rest) in zip(views, shown, strict=True):
        row: list[str] = [title]
        row += [description] if has_description else []
        row += [v.item.owner] if has_owner else []
        # A source's Priority column shows each item's priority, also where the source cell said
        # only P1 or P3.
        row += [
            v.item.fields.get(name)
            or (
                v.item.priority
                if name.lower() in ("priority", "prio") and v.item.priority != "P2"
                else ""
            )
            for name in extra
        ]
        row += (
            [Markdown(", ".join(md_link(cell(k.name), k.url) for k in rest))] if has_links else []
        )
        rows.append(row + [STATUS_MARK[v.state], v.date])
    return table(head, rows)


def linked_cells(item: Item) -> tuple[Markdown, Markdown, list[Link]]:
    """Title and description with the item's links where their names stand, and the links left
    over."""
    title, rest = linked(cell(item.title), item.links)
    description, rest = linked(cell(item.description), rest)
    return title, description, rest


def metric_shape(v: ItemView) -> str:
    m = v.item.metric
    if (m and m.expected) or "Expected" in v.item.fields:
        return "expected"
    return "labelled" if m and m.label and m.label != v.item.title else "plain"


def metric_table(views: list[ItemView]) -> list[str]:
    def goal(v: ItemView) -> str:
        m = v.item.metric
        if m is None:
            return v.item.fields.get("Target") or v.item.fields.get("Expected") or ""
        return m.expected or str(m.target)

    if any(
        (v.item.metric and v.item.metric.expected) or "Expected" in v.item.fields for v in views
    ):
        # The seed's load-test table: a scenario, its expectation in words, the actual result.
        return table(
            ["Test Scenario", "Expected", "Actual", "Status"],
            [[v.item.title, goal(v), v.current, STATUS_MARK[v.state]] for v in views],
        )
    labelled = any(
        v.item.metric and v.item.metric.label and v.item.metric.label != v.item.title for v in views
    )
    acceptable = any(v.item.metric and v.item.metric.acceptable for v in views)
    head = (
        (["Service", "Metric"] if labelled else ["Metric"])
        + ["Target"]
        + (["Acceptable"] if acceptable else [])
        + ["Current", "Status"]
    )
    rows = []
    for v in views:
        m = v.item.metric
        row = [v.item.title]
        row += [(m.label if m else "") or v.item.description] if labelled else []
        row.append(goal(v))
        row += (
            [str(m.acceptable) if m and m.acceptable else v.item.fields.get("Acceptable", "")]
            if acceptable
            else []
        )
        rows.append(row + [v.current, STATUS_MARK[v.state]])
    return table(head, rows)


def table(head: list[str], rows: list[list[str]], *, bold_first: bool = True) -> list[str]:
    """A Markdown table of plain-text cells (escaped here); the first column bold like the
    seed's."""
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for row in rows:
        cells = [c if isinstance(c, Markdown) else cell(c) for c in row]
        if bold_first and cells and cells[0]:
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]
