"""Turn a team's Markdown checklist into a golive checklist, without losing a word of it.

Headings become sections at any depth (the first h1 is the title); task-list items, rows of
checklist tables (and, with `bullets=True`, the leaves of plain bullet lists) become items;
prose and other lists are kept as section notes, shell code as runbooks. Links, extra
columns, priority badges and level columns are kept on the items; sign-off, contact, URL
and change-log tables become the checklist's own records. An imported checklist is never
GO by default: without a sign-off table of its own it gets a gate (every P1 item complete
when the source gave priorities, else every item). docs/import.md has the details.

Modules: `encoding` (bytes to text), `inline` (one run of text: links, badges, titles),
`tables`, `columns` (what a table's headers and cells mean), `document` (the block walk),
`priorities` (words, badges, the gate), `build` (ids, TOML).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w
from markdown_it import MarkdownIt

from ..errors import LoadError
from ..model import Checklist
from .build import build
from .document import Collector
from .encoding import decode
from .inline import slug

__all__ = ["ImportResult", "import_file", "import_markdown", "slug"]


@dataclass
class ImportResult:
    checklist_toml: str
    """Valid checklist TOML (what `golive import -o FILE` writes)."""
    checklist: Checklist
    checked: list[str]
    """Keys of items ticked in the source: `- [x]` task boxes, ticks in a Status/Done/✓ column or a
    title cell (recorded as done by `golive import --with-state`)."""
    gate: str = ""
    """Title of the go/no-go criterion the import added ('' when the source brought its own
    gate)."""
    encoding: str = "utf-8"
    """How the file was decoded (and why: a byte order mark, --encoding)."""


def _nothing_found(collector: Collector, text: str, source: str, bullets: bool) -> LoadError:
    where = source or "<markdown>"
    if not text.strip():
        return LoadError(where, "empty file: nothing to import")
    if bullets:
        return LoadError(
            where,
            "no checklist items found, not even with --bullets: no task list, checklist "
            "table or bullet list",
        )
    if collector.plain_bullets:
        return LoadError(
            where,
            f"no checklist items found: no task list (`- [ ]`) or checklist table, but "
            f"{collector.plain_bullets} plain bullets; import them as items with --bullets",
        )
    return LoadError(
        where,
        "no checklist items found: no task list (`- [ ]`), checklist table or bullet list, "
        "only prose",
    )


def import_markdown(text: str, *, source: str = "", bullets: bool = False) -> ImportResult:
    """Parse Markdown into a validated checklist (TOML text + model + checked task keys)."""
    md = MarkdownIt("commonmark").enable("table")  # task boxes are read by document._task_box
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    collector = Collector(text, bullets=bullets)
    collector.run(md.parse(text))
    doc, checked, drafts, gate = build(collector, Path(source).stem if source else "")
    if not drafts:
        raise _nothing_found(collector, text, source, bullets)
    name = Path(source).name if source else ""
    header = (
        f"# Imported from {name or 'Markdown'} by `golive import`: "
        "review owners, priorities and probes.\n"
    )
    if gate:
        header += (
            f"# Go/no-go gate added by the import: {gate} (edit [[criterion]] to change it).\n"
        )
    toml_text = header + tomli_w.dumps(doc, multiline_strings=True)
    checklist = Checklist.model_validate(tomllib.loads(toml_text))
    return ImportResult(toml_text, checklist, checked, gate)


def import_file(
    path: str | Path, *, encoding: str | None = None, bullets: bool = False
) -> ImportResult:
    """Read (any encoding, see `encoding.decode`) and import one Markdown file; LoadError on bad
    input."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror or exc}") from None
    text, how = decode(data, str(path), encoding)
    result = import_markdown(text, source=str(path), bullets=bullets)
    result.encoding = how
    return result
