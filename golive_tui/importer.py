"""Turn a team's Markdown checklist into a golive checklist, from markdown-it-py tokens.

Headings become sections at any depth (the first h1 is the title), table rows and task-list
items become items (ticked ones listed in `checked`; a trailing `(owner: NAME)` is the
owner), prose and plain lists are kept as section notes, fenced code as runbooks.
Tables the seed uses for sign-off and reference (approvals, contacts, URLs, change log)
become the checklist's own [[approval]], [[contact]], [[link]] and [[changelog]] records.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

from .importer_tables import EMOJI, Table, inline_text, table_kind, table_rows
from .model import Checklist

SLUG_MAX = 60
OWNER_SUFFIX = re.compile(r"\s*\((?:owner|owners|responsible|assignee):\s*(?P<owner>[^()]+)\)\s*$", re.IGNORECASE)


def slug(text: str) -> str:
    """A stable id: emoji shortcodes dropped, accents folded, lowercase words joined by '-'."""
    text = EMOJI.sub("", text).replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > SLUG_MAX:
        text = text[:SLUG_MAX].rsplit("-", 1)[0]
    return text or "item"


@dataclass
class ImportResult:
    checklist_toml: str
    """Valid checklist TOML (what `golive import -o FILE` writes)."""
    checklist: Checklist
    checked: list[str]
    """Keys of items ticked in the source: `- [x]` task boxes and `[x]` in a Status column
    (recorded as done by `golive import --with-state`)."""


@dataclass
class _Node:
    """A heading's section while it is being collected."""

    title: str
    level: int
    items: list[dict[str, Any]] = field(default_factory=list)
    checked: set[int] = field(default_factory=set)
    """Indexes into `items` of ticked task boxes."""
    subsections: list[_Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runbook: list[str] = field(default_factory=list)


def _is_task(token: Token) -> tuple[bool, bool]:
    """(is a task item, is ticked) for the inline token that opens a list item."""
    first = (token.children or [None])[0]
    if first is None or first.type != "html_inline" or "task-list-item-checkbox" not in first.content:
        return False, False
    return True, 'checked="checked"' in first.content


def _close_of(tokens: list[Token], i: int) -> int:
    """Index of the token closing the block opened at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


class _Collector:
    """Walks the block tokens once, filling a tree of _Node and the checklist-level records."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.title = ""
        self.root = _Node("", 0)
        self.stack = [self.root]
        self.records: dict[str, list[dict[str, str]]] = {"approval": [], "contact": [], "link": [], "changelog": []}

    def source(self, token: Token) -> str:
        """The Markdown source lines of a block token, verbatim."""
        start, end = token.map or (0, 0)
        return "\n".join(self.lines[start:end]).strip("\n")

    def run(self, tokens: list[Token]) -> None:
        for block in _blocks(tokens):
            first, node = block[0], self.stack[-1]
            if first.type == "heading_open":
                self.heading(int(first.tag[1]), inline_text(block[1]))
            elif first.type == "table_open":
                self.table(table_rows(block))
            elif first.type in ("bullet_list_open", "ordered_list_open"):
                if any(_is_task(t)[0] for t in block if t.type == "inline"):
                    self.task_list(block, node, parent="")
                else:  # a plain list (a table of contents, remarks) is kept as written
                    node.notes.append(self.source(first))
            elif first.type in ("fence", "code_block"):
                node.runbook.append(first.content.rstrip("\n"))
            elif first.type == "blockquote_open" and any(_is_task(t)[0] for t in block if t.type == "inline"):
                self.run(block[1:-1])  # a quoted task list is still a task list
            elif first.type in ("paragraph_open", "blockquote_open", "html_block"):
                node.notes.append(self.source(first))

    def heading(self, level: int, title: str) -> None:
        if level == 1 and not self.title:
            self.title = title
            return
        while len(self.stack) > 1 and self.stack[-1].level >= level:
            self.stack.pop()
        node = _Node(title, level)
        self.stack[-1].subsections.append(node)
        self.stack.append(node)

    def table(self, table: Table) -> None:
        kind = table_kind(table)
        if kind == "items":
            node = self.stack[-1]
            for item, ticked in table.items():
                node.items.append(item)
                if ticked:
                    node.checked.add(len(node.items) - 1)
        else:
            self.records[kind].extend(table.records(kind))

    def task_list(self, block: list[Token], node: _Node, parent: str) -> None:
        """Task items (nested ones too) become items; plain items in the list become notes."""
        for item_block in _blocks(block[1:-1]):
            opener = item_block[0]
            marker = f"{opener.info}{opener.markup}" if opener.info else opener.markup or "-"
            self.list_item(item_block[1:-1], node, parent, marker)

    def list_item(self, inner: list[Token], node: _Node, parent: str, marker: str) -> None:
        item: dict[str, Any] | None = None
        title = ""
        for n, block in enumerate(_blocks(inner)):
            first = block[0]
            if n == 0 and first.type == "paragraph_open":
                head = block[1]
                is_task, ticked = _is_task(head)
                title = inline_text(head)
                if is_task and title:
                    item = {"title": title}
                    if owner := OWNER_SUFFIX.search(title):  # "- [ ] Brief support (owner: Ops)"
                        item = {"title": title[: owner.start()].rstrip(), "owner": owner["owner"].strip()}
                    if parent:
                        item["description"] = f"Part of: {parent}"
                    node.items.append(item)
                    if ticked:
                        node.checked.add(len(node.items) - 1)
                elif title:
                    node.notes.append(f"{marker} {head.content.strip()}")
            elif first.type in ("bullet_list_open", "ordered_list_open"):
                self.task_list(block, node, item["title"] if item is not None else parent)
            elif first.type in ("fence", "code_block"):
                if item is not None:  # code under a task is that task's runbook
                    item["runbook"] = "\n".join(filter(None, (item.get("runbook", ""), first.content.rstrip("\n"))))
                else:
                    node.runbook.append(first.content.rstrip("\n"))
            elif first.type == "paragraph_open" and item is not None:
                text = inline_text(block[1])
                item["description"] = f"{item['description']}. {text}" if "description" in item else text
            elif first.type == "paragraph_open":
                node.notes.append(f"  {block[1].content.strip()}")


def _blocks(tokens: list[Token]):
    """The top-level blocks of a token run, each as the slice from its opener to its closer."""
    i = 0
    while i < len(tokens):
        end = _close_of(tokens, i) if tokens[i].nesting == 1 else i
        yield tokens[i:end + 1]
        i = end + 1


def _unique(taken: set[str], wanted: str) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


class _Builder:
    """Turns the _Node tree into checklist data with unique ids and the checked item keys."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.emergency: list[str] = []

    def section(self, node: _Node, prefix: str, taken: set[str], parent: dict[str, Any] | None) -> dict[str, Any] | None:
        own: set[str] = set()
        sid = _unique(taken, slug(node.title))
        key = f"{prefix}.{sid}" if prefix else sid
        items = []
        for index, item in enumerate(node.items):
            iid = _unique(own, slug(item["title"]))
            items.append({"id": iid, **item})
            if index in node.checked:
                self.checked.append(f"{key}.{iid}")
        data: dict[str, Any] = {"id": sid, "title": node.title or sid}
        subs = [s for s in (self.section(sub, key, own, data) for sub in node.subsections) if s]
        if not items and not subs and node.runbook:
            # A heading over commands only ("Verification Commands") annotates its parent.
            if re.search(r"emergenc", node.title, re.IGNORECASE):
                self.emergency.extend(node.runbook)
                node.runbook = []
            elif parent is not None:
                parent.setdefault("_runbook", []).extend(node.runbook)
                parent.setdefault("_notes", []).extend(node.notes)
                return None
        notes = node.notes + data.pop("_notes", [])
        runbook = node.runbook + data.pop("_runbook", [])
        if not items and not subs and not notes and not runbook:
            return None
        if notes:
            data["notes"] = "\n\n".join(notes)
        if runbook:
            data["runbook"] = "\n\n".join(runbook)
        if items:
            data["item"] = items
        if subs:
            data["subsection"] = subs
        return data


def _records(kind: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    if kind != "approval":
        return rows
    taken: set[str] = set()
    return [{"id": _unique(taken, slug(row["role"])), "role": row["role"]} for row in rows]


def import_markdown(text: str, *, source: str = "") -> ImportResult:
    """Parse Markdown into a validated checklist (TOML text + model + checked task keys)."""
    md = MarkdownIt("commonmark").enable("table").use(tasklists_plugin)
    collector = _Collector(text)
    collector.run(md.parse(text))
    root = collector.root
    if root.items:  # items before any section heading get a section of their own
        root.subsections.insert(0, _Node(collector.title or "Checklist", 2, root.items, root.checked))
    builder = _Builder()
    taken: set[str] = set()
    sections = [s for s in (builder.section(node, "", taken, None) for node in root.subsections) if s]
    name = Path(source).name if source else ""
    doc: dict[str, Any] = {"schema_version": 1, "title": collector.title or Path(source).stem or "Imported checklist"}
    if root.notes:
        doc["description"] = "\n\n".join(root.notes)
    if builder.emergency:
        doc["emergency_runbook"] = "\n\n".join(builder.emergency)
    doc["section"] = sections
    for kind, rows in collector.records.items():
        if rows:
            doc[kind] = _records(kind, rows)
    header = f"# Imported from {name or 'Markdown'} by `golive import`: review owners, priorities and probes.\n"
    toml_text = header + tomli_w.dumps(doc, multiline_strings=True)
    checklist = Checklist.model_validate(tomllib.loads(toml_text))
    return ImportResult(toml_text, checklist, builder.checked)
