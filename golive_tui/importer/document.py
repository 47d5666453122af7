"""The block structure of a Markdown checklist: headings become sections, task lists and checklist
tables items, everything else notes or commands, from markdown-it-py tokens.

What belongs to an item stays with it: its nested paragraphs and plain sub-bullets become its
description (a `**Key**: value` sub-bullet a field), its code blocks its runbook with their
language, a quote right after it (the resources a checklist lists under an item) its links
and description, and an example in another language than shell right after it its runbook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from .draft import Draft, is_commands
from .inline import Inline, read_inline, split_title
from .priorities import PRIORITY_HEADERS, priority_of, take_tag
from .tables import table_kind, table_rows

LISTS = ("bullet_list_open", "ordered_list_open")
OWNER_SUFFIX = re.compile(
    r"\s*\((?:owner|owners|responsible|assignee):\s*(?P<owner>[^()]+)\)\s*$", re.IGNORECASE
)
_BOX = re.compile(r"^\s*\[([ xX])\](?:\s+|$)")
_KEY_VALUE = re.compile(r"^(?P<key>[^:]{1,40}?)\s*:\s*(?P<value>.+)$")


@dataclass
class Node:
    """A heading's section while it is being collected."""

    title: str
    level: int
    items: list[Draft] = field(default_factory=list)
    subsections: list[Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runbook: list[str] = field(default_factory=list)


def blocks(tokens: list[Token]) -> Iterator[list[Token]]:
    """The top-level blocks of a token run, each as the slice from its opener to its closer."""
    i = 0
    while i < len(tokens):
        end = i
        if tokens[i].nesting == 1:
            depth = 0
            for end in range(i, len(tokens)):
                depth += tokens[end].nesting
                if depth == 0:
                    break
        yield tokens[i : end + 1]
        i = end + 1


def _task_box(token: Token | None) -> tuple[bool, bool]:
    """(is a task item, is ticked) for the inline token that opens a list item: `[ ]`, `[x]`, `[X]`.

    Read here rather than by mdit-py-plugins' tasklists, which looks for each item's parent by
    walking back over every token before it: 5,000 items in one list took 5 s."""
    box = _BOX.match(token.content) if token is not None else None
    return (True, box.group(1) != " ") if box else (False, False)


def _has_task(block: list[Token]) -> bool:
    return any(
        t.type == "inline" and n >= 2 and block[n - 2].type == "list_item_open" and _task_box(t)[0]
        for n, t in enumerate(block)
    )


def _is_toc(block: list[Token]) -> bool:
    """A list of links to headings of the same document (a table of contents)."""
    values = [read_inline(t) for t in block if t.type == "inline"]
    return bool(values) and all(
        _links_only(v) and all(u.startswith("#") for _, u in v.links) for v in values
    )


def _links_only(value: Inline) -> bool:
    """A line that is nothing but links (and the emoji or punctuation around them)."""
    rest = value.text
    for name, _ in value.links:
        rest = rest.replace(name, "")
    return bool(value.links) and not any(c.isalnum() for c in rest)


class Collector:
    """Walks the block tokens once, filling a tree of Node and the checklist-level records."""

    def __init__(self, text: str, *, bullets: bool = False) -> None:
        self.lines = text.split("\n")
        self.bullets = bullets
        self.title = ""
        self.root = Node("", 0)
        self.stack = [self.root]
        self.records: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("approval", "contact", "link", "changelog", "criterion")
        }
        self.plain_bullets = 0
        """Bullets outside task lists that --bullets would have made items."""

    def source(self, token: Token) -> str:
        """The Markdown source lines of a block token, verbatim."""
        start, end = token.map or (0, 0)
        return "\n".join(self.lines[start:end]).strip("\n")

    def run(self, tokens: list[Token]) -> None:
        last: Draft | None = (
            None  # the item a quote or a non-shell example right after a task list belongs to
        )
        for block in blocks(tokens):
            first, node = block[0], self.stack[-1]
            kind = first.type
            if kind == "heading_open":
                self.heading(int(first.tag[1]), read_inline(block[1], title=True).text)
            elif kind == "table_open":
                self.table(block)
            elif kind in LISTS and (_has_task(block) or (self.bullets and not _is_toc(block))):
                last = self.task_list(block, node, None, "", 0) or last
                continue
            elif kind in LISTS:  # a plain list (a table of contents, remarks) is kept as written
                self.plain_bullets += (
                    0 if _is_toc(block) else sum(1 for t in block if t.type == "list_item_open")
                )
                node.notes.append(self.source(first))
            elif kind in ("fence", "code_block"):
                language = (first.info or "").split(" ")[0] if kind == "fence" else ""
                code = first.content.rstrip("\n")
                if last is not None and not is_commands(language, code):
                    last.code.append((language, code))
                    continue
                self.section_code(node, first)
            elif kind == "blockquote_open" and _has_task(block):
                self.run(block[1:-1])  # a quoted task list is still a task list
            elif kind == "blockquote_open" and last is not None:
                self.quote(last, block)
                continue
            elif kind == "paragraph_open" and _BOX.match(block[1].content):
                last = self.boxed_paragraph(block[1], node, first)  # `[ ] text` outside a list
                continue
            elif kind in ("paragraph_open", "blockquote_open", "html_block"):
                node.notes.append(self.source(first))
            elif kind == "hr":
                continue
            last = None

    def heading(self, level: int, title: str) -> None:
        if level == 1 and not self.title:
            self.title = title
            return
        while len(self.stack) > 1 and self.stack[-1].level >= level:
            self.stack.pop()
        node = Node(title, level)
        self.stack[-1].subsections.append(node)
        self.stack.append(node)

    def table(self, block: list[Token]) -> None:
        table = table_rows(block)
        kind = table_kind(table)
        if kind == "items":
            self.stack[-1].items.extend(table.items())
        else:
            self.records[kind].extend(table.records(kind))

    def section_code(self, node: Node, token: Token) -> None:
        """Commands under a heading are its runbook; an example in another language stays a note."""
        language = (token.info or "").split(" ")[0] if token.type == "fence" else ""
        code = token.content.rstrip("\n")
        if is_commands(language, code):
            node.runbook.append(code)
        else:
            node.notes.append(self.source(token))

    def new_item(self, value: Inline, line: int, ticked: bool, context: str) -> Draft:
        """An item from a task text: owner suffix, priority tag and badge taken out, long text
        split."""
        text, owner = value.text, ""
        if match := OWNER_SUFFIX.search(text):  # "- [ ] Brief support (owner: Ops)"
            text, owner = text[: match.start()].rstrip(), match["owner"].strip()
        text, priority, tag = take_tag(text)
        title, rest = split_title(Inline(text, lead=value.lead))
        draft = Draft(title, line, owner=owner, ticked=ticked)
        if context:
            draft.describe(f"Part of: {context}")
        draft.describe(rest)
        draft.add_links(value.links)
        if value.badge:
            draft.set_priority(value.badge[1], value.badge[0])
        draft.set_priority(priority, tag)
        return draft

    def task_list(
        self, block: list[Token], node: Node, parent: Draft | None, context: str, depth: int
    ) -> Draft | None:
        """Task items (nested ones too) become items; the last top-level one is returned."""
        last = None
        for item_block in blocks(block[1:-1]):
            opener = item_block[0]
            marker = f"{opener.info}{opener.markup}" if opener.info else opener.markup or "-"
            line = (opener.map or (0, 0))[0] + 1
            last = (
                self.list_item(item_block[1:-1], node, parent, context, marker, line, depth) or last
            )
        return last

    def list_item(
        self,
        inner: list[Token],
        node: Node,
        parent: Draft | None,
        context: str,
        marker: str,
        line: int,
        depth: int,
    ) -> Draft | None:
        parts = list(blocks(inner))
        head = parts[0][1] if parts and parts[0][0].type == "paragraph_open" else None
        is_task, ticked = _task_box(head)
        value = read_inline(head, title=True)
        if is_task:
            value.text = _BOX.sub("", value.text, count=1)
        nested = any(p[0].type in LISTS for p in parts[1:])
        draft: Draft | None = None
        owner = parent  # where the item's sub-content goes
        child_context = context
        if value.text and (is_task or (self.bullets and parent is None and not nested)):
            draft = self.new_item(value, line, ticked, context)
            node.items.append(draft)
            owner, child_context = draft, draft.title
        elif (
            value.text and parent is not None
        ):  # a plain sub-bullet of a task: part of its description
            self.bullet(parent, read_inline(head), depth)
        elif value.text and nested and (self.bullets or any(_has_task(p) for p in parts[1:])):
            child_context = value.text  # a bullet grouping tasks ("- Security" over "- [ ] MFA")
        elif value.text:
            node.notes.append(f"{marker} {head.content.strip()}" if head is not None else marker)
        for n, block in enumerate(parts):
            first = block[0]
            if n == 0 and first.type == "paragraph_open":
                continue
            if first.type in LISTS:
                self.task_list(block, node, owner, child_context, depth + 1 if draft is None else 0)
            elif first.type in ("fence", "code_block"):
                language = (first.info or "").split(" ")[0] if first.type == "fence" else ""
                if owner is not None:  # code under a task is that task's runbook
                    owner.code.append((language, first.content.rstrip("\n")))
                else:
                    self.section_code(node, first)
            elif first.type == "paragraph_open" and owner is not None:
                sub = read_inline(block[1])
                owner.describe(sub.text)
                owner.add_links(sub.links)
            elif first.type == "blockquote_open" and owner is not None:
                self.quote(owner, block)
            elif first.type == "paragraph_open":
                node.notes.append(f"  {block[1].content.strip()}")
        return draft

    def bullet(self, target: Draft, value: Inline, depth: int) -> None:
        """A plain sub-bullet: a field (`**Why**: …`, `Level: Critical`), links, or a description
        line."""
        match = _KEY_VALUE.match(value.text)
        key = match["key"].strip().strip("*_").strip() if match else ""
        if match and key.lower() in PRIORITY_HEADERS and (priority := priority_of(match["value"])):
            target.set_priority(priority, match["value"].strip(), key)
        elif (
            match
            and value.lead
            and value.text.startswith(value.lead)
            and key == value.lead.rstrip(":").strip()
        ):
            target.fields.setdefault(key, match["value"].strip())
        elif not _links_only(value):
            target.describe_line(f"{'  ' * depth}- {value.text}")
        target.add_links(value.links)

    def quote(self, target: Draft, block: list[Token]) -> None:
        """A quote after an item: its links are the item's; its other words join the description."""
        for token in block:
            if token.type != "inline":
                continue
            value = read_inline(token)
            if not _links_only(value):
                target.describe(value.text)
            target.add_links(value.links)

    def boxed_paragraph(self, token: Token, node: Node, opener: Token) -> Draft | None:
        value = read_inline(token, title=True)
        box = _BOX.match(value.text)
        if box is None or not value.text[box.end() :]:
            node.notes.append(self.source(opener))
            return None
        value.text = value.text[box.end() :]
        draft = self.new_item(value, (opener.map or (0, 0))[0] + 1, box.group(1).lower() == "x", "")
        node.items.append(draft)
        return draft
