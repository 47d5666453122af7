"""Turn a team's Markdown checklist into a golive checklist, from markdown-it-py tokens.

Headings become sections at any depth (h1 is the title), table rows and task-list items
become items, prose and plain lists are kept as section notes, fenced code as runbooks.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

from .model import Checklist

OWNER_COLUMNS = ("owner", "responsible", "team", "assignee")
DESCRIPTION_COLUMNS = ("description", "details", "notes")
DROPPED_COLUMNS = ("status", "date", "current", "actual", "approval", "signature", "met", "name")
THRESHOLD = re.compile(r"^\s*(<=|>=|<|>)?\s*([\d.]+)\s*(ms|s|%|rps)?\s*$", re.IGNORECASE)
EMOJI = re.compile(r":[a-z0-9_+-]+:")


def slug(text: str) -> str:
    text = EMOJI.sub("", text).lower().replace("&", "and")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "item"


@dataclass
class _Section:
    title: str
    depth: int
    id: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    subsections: list[_Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runbook: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    checklist_toml: str
    checklist: Checklist
    checked: list[str]
    """Keys of items whose task box was ticked (recorded as done with --with-state)."""


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: bold and link markup unwrapped, emoji shortcodes dropped."""
    parts = [child.content for child in token.children or [] if child.type in ("text", "code_inline")]
    return EMOJI.sub("", "".join(parts)).strip()


def _unique(taken: set[str], wanted: str) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _threshold(text: str, header: str) -> dict[str, Any] | None:
    match = THRESHOLD.match(text.replace("RPS", "rps"))
    if not match:
        return None
    op, value, unit = match.groups()
    unit = (unit or "").lower()
    if op is None:
        # A bare goal is a floor for rates and availabilities ("99.9%", "1000 RPS"), else a ceiling.
        op = ">=" if unit in ("%", "rps") or unit == "" else "<"
    return {"op": op, "value": float(value), "unit": unit}


def _table(tokens: list[Token], start: int) -> tuple[list[str], list[list[str]], int]:
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] = []
    in_head = False
    i = start
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline":
            row.append(_inline_text(tok))
        elif tok.type == "tr_close":
            (header.extend(row) if in_head else rows.append(row))
        i += 1
    return header, rows, i


def _row_item(header: list[str], row: list[str]) -> dict[str, Any] | None:
    names = [h.lower() for h in header]
    if not row or not row[0]:
        return None
    item: dict[str, Any] = {"title": row[0]}
    fields: dict[str, str] = {}
    metric: dict[str, Any] = {}
    for name, label, value in zip(names[1:], header[1:], row[1:], strict=False):
        if not value:
            continue
        if name in OWNER_COLUMNS:
            item["owner"] = value
        elif name in DESCRIPTION_COLUMNS:
            item["description"] = value
        elif name in DROPPED_COLUMNS:
            continue
        elif name in ("target", "acceptable", "expected") and (bound := _threshold(value, name)):
            metric["target" if name in ("target", "expected") else "acceptable"] = bound
        else:
            if name == "expected":
                metric.setdefault("expected", value)
            fields[label] = value
    if "target" in metric:
        item["metric"] = metric
    elif "expected" in metric:
        fields.setdefault("Expected", metric["expected"])
    if fields:
        item["fields"] = fields
    return item


def _parse(text: str) -> tuple[str, list[_Section], list[tuple[_Section, int, bool]]]:
    md = MarkdownIt("commonmark").enable("table").use(tasklists_plugin)
    tokens = md.parse(text)
    title = ""
    root = _Section("", 0)
    stack = [root]
    tasks: list[tuple[_Section, int, bool]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            heading = _inline_text(tokens[i + 1])
            if level == 1 and not title:
                title = heading
            else:
                while stack[-1].depth >= level and len(stack) > 1:
                    stack.pop()
                section = _Section(heading, level)
                stack[-1].subsections.append(section)
                stack.append(section)
            i += 3
            continue
        current = stack[-1]
        if tok.type == "table_open":
            header, rows, i = _table(tokens, i)
            for row in rows:
                if (item := _row_item(header, row)) is not None:
                    current.items.append(item)
        elif tok.type == "fence":
            current.runbook.append(tok.content.rstrip())
        elif tok.type == "inline" and tok.children and tok.children[0].type == "html_inline" and "task-list-item-checkbox" in tok.children[0].content:
            checked = 'checked="checked"' in tok.children[0].content
            current.items.append({"title": EMOJI.sub("", "".join(c.content for c in tok.children[1:] if c.type in ("text", "code_inline"))).strip()})
            tasks.append((current, len(current.items) - 1, checked))
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            current.notes.append(tok.content)
        i += 1
    return title, root.subsections, tasks


def import_markdown(text: str, *, source: str = "") -> ImportResult:
    """Parse Markdown into a validated checklist (TOML text + model + checked task keys)."""
    title, sections, tasks = _parse(text)
    checked_refs = {(id(section), index) for section, index, checked in tasks if checked}
    checked: list[str] = []

    def build(section: _Section, prefix: str, taken: set[str]) -> dict[str, Any] | None:
        sid = _unique(taken, slug(section.title))
        key = f"{prefix}.{sid}" if prefix else sid
        item_ids: set[str] = set()
        items = []
        for index, item in enumerate(section.items):
            if not item["title"]:
                continue
            iid = _unique(item_ids | {s for s in taken}, slug(item["title"]))
            item_ids.add(iid)
            items.append({"id": iid, **item})
            if (id(section), index) in checked_refs:
                checked.append(f"{key}.{iid}")
        sub_taken: set[str] = set(item_ids)
        subs = [s for s in (build(sub, key, sub_taken) for sub in section.subsections) if s]
        if not items and not subs and not section.notes and not section.runbook:
            return None
        data: dict[str, Any] = {"id": sid, "title": section.title or sid}
        if section.notes:
            data["notes"] = "\n\n".join(section.notes)
        if section.runbook:
            data["runbook"] = "\n\n".join(section.runbook)
        if items:
            data["item"] = items
        if subs:
            data["subsection"] = subs
        return data

    taken: set[str] = set()
    built = [s for s in (build(section, "", taken) for section in sections) if s]
    doc = {"title": title or Path(source).stem or "Imported checklist"}
    if source:
        doc["description"] = f"Imported from {Path(source).name} by golive import."
    doc["section"] = built
    toml_text = f"# Imported from {Path(source).name or 'Markdown'} by `golive import`; review owners, priorities and probes.\n" + tomli_w.dumps(doc, multiline_strings=True)
    from .checklists import load_checklist

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
        handle.write(toml_text)
    try:
        checklist = load_checklist(handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return ImportResult(toml_text, checklist, checked)
