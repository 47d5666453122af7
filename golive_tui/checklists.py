"""Load and validate checklists from TOML: the shipped ones (by name) or any file."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import LoadError, UnknownItem
from .locations import DEFAULT_CHECKLIST, DEFAULT_NAME, locate, shipped, shipped_dir  # noqa: F401 - callers find them here
from .model import Checklist, Criterion, Item
from .tomlfile import guess_line, key_path, read_toml, validation_error


def load_checklist(path: Path | str | None = None) -> Checklist:
    """Load, validate (schema, ids, probe kinds and parameters) and return a checklist."""
    path = locate(path)
    raw, text = read_toml(path, "checklist")
    _check_duplicate_ids(path, text, raw)
    try:
        checklist = Checklist.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, text, raw, exc) from None
    _check_probes(path, text, raw, checklist)
    return checklist


def _check_duplicate_ids(path: Path, text: str, raw: dict[str, Any]) -> None:
    """A second section or item with the same dotted id: a LoadError naming its line and key."""
    if not isinstance(raw.get("section"), list):
        return  # the schema check reports what is wrong
    seen: dict[str, tuple[str, int]] = {}  # dotted key -> (its id, which occurrence of that id)
    occurrences: dict[str, int] = {}

    def visit(node: Any, prefix: str, loc: list[str | int]) -> None:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            return
        ident = node["id"]
        key = f"{prefix}.{ident}" if prefix else ident
        occurrences[ident] = occurrences.get(ident, 0) + 1
        if key in seen:
            # Lines are looked up only for the error: scanning the text once per id made every
            # command pay ~120 ms for the shipped checklist's 156 ids.
            lines = _id_lines(text)
            first = _nth(lines, *seen[key])
            found = f" (first defined at line {first})" if first else ""
            raise LoadError(
                path,
                f"duplicate id {key!r}{found}",
                line=_nth(lines, ident, occurrences[ident]),
                key=key_path(raw, [*loc, "id"]),
            )
        seen[key] = (ident, occurrences[ident])
        for kind in ("item", "subsection"):
            for n, child in enumerate(
                node.get(kind, []) if isinstance(node.get(kind), list) else []
            ):
                visit(child, key, [*loc, kind, n])

    for n, top in enumerate(raw["section"]):
        visit(top, "", ["section", n])


_ID_LINE = re.compile(r"^\s*id\s*=\s*[\"'](?P<id>[^\"']*)[\"']")


def _id_lines(text: str) -> dict[str, list[int]]:
    """The lines each `id = "…"` is written on, in order."""
    lines: dict[str, list[int]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if found := _ID_LINE.match(line):
            lines.setdefault(found.group("id"), []).append(n)
    return lines


def _nth(lines: dict[str, list[int]], ident: str, nth: int) -> int | None:
    found = lines.get(ident, [])
    return found[nth - 1] if len(found) >= nth else None


def _item_locations(raw: dict[str, Any]) -> dict[str, list[str | int]]:
    """Map item keys to their pydantic-style location in the raw TOML data."""
    found: dict[str, list[str | int]] = {}

    def visit(section: dict[str, Any], prefix: str, loc: list[str | int]) -> None:
        key = f"{prefix}.{section['id']}" if prefix else section["id"]
        for n, item in enumerate(section.get("item", [])):
            found[f"{key}.{item['id']}"] = [*loc, "item", n]
        for n, sub in enumerate(section.get("subsection", [])):
            visit(sub, key, [*loc, "subsection", n])

    for n, top in enumerate(raw.get("section", [])):
        visit(top, "", ["section", n])
    return found


def _check_probes(path: Path, text: str, raw: dict[str, Any], checklist: Checklist) -> None:
    from .probes import registry

    kinds = registry()
    locations = _item_locations(raw)
    for item in checklist.items():
        for n, spec in enumerate(item.probe):
            base = locations[item.key] + ["probe", n]
            kind = kinds.get(spec.kind)
            if kind is None:
                close = difflib.get_close_matches(spec.kind, kinds, n=3)
                hint = (
                    f"; did you mean {', '.join(close)}?"
                    if close
                    else f"; known kinds: {', '.join(sorted(kinds))}"
                )
                loc = base + ["kind"]
                raise LoadError(
                    path,
                    f"unknown probe kind {spec.kind!r}{hint}",
                    line=guess_line(text, raw, loc),
                    key=key_path(raw, loc),
                )
            try:
                kind.params.model_validate(spec.params)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = base + ["params", *err["loc"]]
                msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                raise LoadError(
                    path, msg, line=guess_line(text, raw, loc), key=key_path(raw, loc)
                ) from None
            if item.metric is None and getattr(kind.params, "needs_metric", False):
                loc = locations[item.key]
                raise LoadError(
                    path,
                    f"probe {kind.name} needs a [metric] on the item",
                    line=guess_line(text, raw, loc),
                    key=key_path(raw, loc),
                )


COMPLETION_RULES = (
    "priority-complete",
    "section-complete",
    "section-metrics-met",
    "items-complete",
    "all-complete",
)
"""Rules that hold the decision at NO-GO until items are finished (section-no-failures does not)."""


def gate_warnings(checklist: Checklist) -> list[str]:
    """Why `golive status` could say GO with nothing done: criteria that cover no item, or no gate
    at all."""
    items = list(checklist.items())

    def covered(c: Criterion) -> int:
        in_section = [i for i in items if c.section and (i.key + ".").startswith(c.section + ".")]
        return {
            "priority-complete": sum(1 for i in items if i.priority == c.priority),
            "section-complete": len(in_section),
            "section-no-failures": len(in_section),
            "section-metrics-met": sum(1 for i in in_section if i.metric is not None),
            "items-complete": len(c.items),
            "all-complete": len(items),
        }[c.rule]

    warnings = [
        f"criterion {c.id!r} ({c.rule}) covers no item: it is always met"
        for c in checklist.criterion
        if not covered(c)
    ]
    if not checklist.approval and not any(
        c.rule in COMPLETION_RULES and covered(c) for c in checklist.criterion
    ):
        warnings.append(
            "no go/no-go gate: no approval and no criterion that needs items done, so "
            "`golive status` says GO with nothing done; add a [[criterion]] with rule = "
            '"all-complete" (or "priority-complete") or [[approval]] roles'
        )
    return warnings


def resolve_item(checklist: Checklist, key: str) -> Item:
    """The item with this id, or UnknownItem suggesting the closest ids."""
    items = checklist.item_map()
    if key in items:
        return items[key]
    # Also accept an unambiguous suffix such as `infrastructure.eks-cluster`.
    matches = [k for k in items if k.endswith("." + key)]
    if len(matches) == 1:
        return items[matches[0]]
    suggestions = matches[:5] or difflib.get_close_matches(key, items, n=3, cutoff=0.5)
    if not suggestions:
        tail = key.rsplit(".", 1)[-1]
        suggestions = [
            k
            for k in items
            if k.rsplit(".", 1)[-1]
            in difflib.get_close_matches(tail, [i.rsplit(".", 1)[-1] for i in items], n=3)
        ][:3]
    raise UnknownItem(key, suggestions)
