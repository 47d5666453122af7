"""What the cockpit's first frame shows, read from the two TOML files before pydantic is imported.

The same files (locations.locate, locations.state_location), the same TOML reader with its
file:line errors (tomlfile), the same status vocabulary (vocab.STATUS_OUTCOME) as the validated
load that follows in a worker: only validation is left for later. A file that does not parse
shows its error on the first frame instead of an empty table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GoliveError
from .files import read_text
from .locations import locate, state_location
from .text import safe_line
from .tomlfile import parse_toml, read_toml
from .vocab import STATUS_OUTCOME, OutcomeState


@dataclass(frozen=True, kw_only=True)
class GlanceRow:
    key: str
    title: str
    owner: str
    outcome: OutcomeState
    """The recorded status as it counts; `waived` whenever a waiver is recorded (its end is the
    loader's to check)."""
    verdict: str


@dataclass(frozen=True, kw_only=True)
class FirstFrame:
    title: str = ""
    rows: list[GlanceRow] = field(default_factory=list)
    error: str = ""
    """Why a file could not be read (file:line and what), shown at once; the loader says it again on
    exit."""


def raw_items(section: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(item key, raw item table) in checklist order: `section.subsection.item`, as
    model.Checklist.items() keys them."""
    key = f"{prefix}.{section.get('id', '')}" if prefix else str(section.get("id", ""))
    for item in section.get("item", []):
        yield f"{key}.{item.get('id', '')}", item
    for sub in section.get("subsection", []):
        yield from raw_items(sub, key)


def _recorded(location: str) -> dict[str, Any]:
    """The record's items table (the audit trail, most of a long file, is not parsed)."""
    if location.startswith("s3://") or not Path(location).exists():
        return {}
    text = read_text(location, "state file")
    items = parse_toml(location, text.split("\n[[audit]]", 1)[0]).get("items", {})
    return items if isinstance(items, dict) else {}


def first_frame(checklist: str | None, state: str | None) -> FirstFrame:
    try:
        raw, _ = read_toml(locate(checklist), "checklist")
        items = [pair for top in raw.get("section", []) for pair in raw_items(top)]
        title = safe_line(raw.get("title", ""))
    except GoliveError as exc:
        return FirstFrame(error=safe_line(exc))
    except (AttributeError, TypeError):
        return FirstFrame(error="the checklist is not a table of sections (the loader says where)")
    error = ""
    try:
        recorded = _recorded(state_location(state))
    except GoliveError as exc:
        recorded, error = {}, safe_line(exc)
    rows = []
    for key, item in items:
        if not isinstance(item, dict):
            continue
        record = recorded.get(key, {})
        record = record if isinstance(record, dict) else {}
        probe = record.get("probe")
        probe = probe if isinstance(probe, dict) else {}
        rows.append(
            GlanceRow(
                key=key,
                title=safe_line(item.get("title", key)),
                owner=safe_line(item.get("owner", "")),
                outcome="waived"
                if "waiver" in record
                else STATUS_OUTCOME.get(str(record.get("status", "pending")), "pending"),
                verdict=str(probe.get("verdict", "")),
            )
        )
    return FirstFrame(title=title, rows=rows, error=error)
