"""What every report shows about an item, computed once, plus small text helpers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..model import Checklist, Link, Section
from ..projection import ItemFacts, item_facts
from ..state import State
from ..text import safe_block, safe_line
from ..vocab import format_value

if TYPE_CHECKING:
    from ..decision import ApprovalView

STATUS_MARK = {
    "complete": "[x]",
    "pending": "[ ]",
    "n/a": "n/a",
    "waived": "waived",
    "failed": "FAILED",
    "blocked": "blocked",
}
"""The Status column of the Markdown report: the seed's boxes, words for everything else."""
STATUS_WORD = {
    "complete": "DONE",
    "pending": "PENDING",
    "n/a": "N/A",
    "waived": "WAIVED",
    "failed": "FAILED",
    "blocked": "BLOCKED",
}
"""Status in words for HTML, where colour is never the only signal."""

# Characters XML 1.0 cannot carry (probe output may contain terminal escapes).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


ItemView = ItemFacts
"""One item as the reports show it: the core's projection (raw text: each format escapes it its own
way)."""
item_view = item_facts


def value_text(value: float | None, unit: str) -> str:
    return format_value(value, unit)


def views(
    checklist: Checklist, state: State, now: datetime, only: set[str] | None = None
) -> list[ItemView]:
    return [item_view(i, state, now) for i in checklist.items() if only is None or i.key in only]


def selected(section: Section, only: set[str] | None) -> bool:
    """Whether a section has something to show under `only` (every section when None)."""
    return only is None or any(i.key in only for i in section.all_items())


def signoff_section(checklist: Checklist) -> Section | None:
    """The top section the approvals and go/no-go criteria belong to (the seed's Sign-Off)."""
    for top in checklist.section:
        words = f"{top.id} {top.title}".lower()
        if "sign-off" in words or "signoff" in words or "approval" in words:
            return top
    return None


def is_toc(section: Section) -> bool:
    return not section.item and section.title.lower().strip() in (
        "table of contents",
        "contents",
        "toc",
    )


def anchor(title: str) -> str:
    """The GitHub-style heading anchor (`Go-Live Checklist` -> `go-live-checklist`)."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def cell(text: object) -> str:
    """One line of Markdown: whitespace collapsed, pipes and tag-like `<` escaped."""
    line = safe_line(" ".join(str(text).split()))
    return _TAG_START.sub(r"\\<", line.replace("|", "\\|"))


def md_link(name: str, url: str) -> str:
    """`[name](url)` with the brackets of the name and the parentheses and spaces of the url
    escaped."""
    label = re.sub(r"([\[\]])", r"\\\1", safe_line(name))
    target = re.sub(
        r"[\x00-\x20<>|\x7f]",
        lambda m: f"%{ord(m.group()):02X}",
        re.sub(r"([()])", r"\\\1", safe_line(url)),
    )
    return f"[{label}]({target})"


class Markdown(str):
    """A table cell already written as Markdown (escaped, links made): `_table` leaves it as it
    is."""


def linked(text: str, links: list[Link]) -> tuple[Markdown, list[Link]]:
    """A Markdown cell (already escaped) with each link whose name it shows made a link, and the
    links left over."""
    out, cursor, rest = [], 0, []
    for link in links:
        name = cell(link.name)
        at = text.find(name, cursor) if name else -1
        if at < 0:
            rest.append(link)
            continue
        out += [text[cursor:at], md_link(name, link.url)]
        cursor = at + len(name)
    return Markdown("".join(out) + text[cursor:]), rest


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters shown as glyphs, other invalid code points
    dropped."""
    return _NOT_XML.sub("", safe_block(text))


def blockers_text(blockers: list[str], limit: int = 5) -> str:
    shown = ", ".join(blockers[:limit])
    return shown + (f" and {len(blockers) - limit} more" if len(blockers) > limit else "")


def criterion_note(checklist: Checklist, blockers: list[str], limit: int = 5) -> str:
    """A criterion's blockers by title (`Node Groups (failed), …`), the whole list being under
    Blockers."""
    items = checklist.item_map()
    named = []
    for blocker in blockers:
        key, _, state = blocker.rpartition(" (")
        item = items.get(key)
        named.append(f"{safe_line(item.title)} ({state}" if item is not None else blocker)
    if len(named) <= limit:
        return ", ".join(named)
    return ", ".join(named[:limit]) + f" and {len(named) - limit} more (all under Blockers)"


def override_text(override: dict[str, Any]) -> str:
    """`OVERRIDE of a fail verdict by ciso on 2026-12-01: rules applied by hand`."""
    return (
        f"OVERRIDE of a {override['verdict']} verdict by {override['by']} on "
        f"{override['at']:%Y-%m-%d}: {override['reason']}"
    )


def approval_note(view: ApprovalView) -> str:
    """Who approved and who recorded it, and how it is signed (signed / unsigned / proxy /
    invalid)."""
    if view.state == "missing":
        return ""
    text = f"approved by {view.name}" + (
        f" ({view.principal})" if view.principal and view.principal != view.name else ""
    )
    if view.operator:
        text += f", recorded by {view.operator}"
    text += f"; {view.signing.label}"
    if view.signing.detail and view.signing.label != "signed":
        text += f": {view.signing.detail}"
    return text
