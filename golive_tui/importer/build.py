"""The collected tree as checklist data: unique ids, checked keys, the default gate, TOML text."""

from __future__ import annotations

import re
from typing import Any

from .document import Collector, Node
from .draft import Draft
from .inline import slug
from .priorities import default_gate

PRIORITY_RATIONALE = (
    "Imported from the source's own marks (badges, Priority/Level/Severity columns, [P1] tags): "
    "critical, blocker, high, must -> P1; medium, should -> P2; "
    "low, minor, optional, nice to have -> P3. Items without a mark are P2."
)


class Ids:
    """Unique ids within one scope; `x`, `x-2`, `x-3` … in constant time per id (5,000 alike stay
    fast)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.next: dict[str, int] = {}

    def unique(self, wanted: str) -> str:
        n = self.next.get(wanted, 1)
        candidate = wanted if n == 1 else f"{wanted}-{n}"
        while candidate in self.taken:
            n += 1
            candidate = f"{wanted}-{n}"
        self.next[wanted] = n + 1
        self.taken.add(candidate)
        return candidate


class Builder:
    """Turns the Node tree into checklist data with unique ids and the checked item keys."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.emergency: list[str] = []
        self.drafts: list[Draft] = []

    def section(
        self, node: Node, prefix: str, ids: Ids, parent: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        own = Ids()
        sid = ids.unique(slug(node.title))
        key = f"{prefix}.{sid}" if prefix else sid
        items = []
        for draft in node.items:
            iid = own.unique(slug(draft.title))
            items.append({"id": iid, **draft.data()})
            self.drafts.append(draft)
            if draft.ticked:
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


def _approvals(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    ids = Ids()
    return [{"id": ids.unique(slug(row["role"])), "role": row["role"]} for row in rows]


def build(collector: Collector, title: str) -> tuple[dict[str, Any], list[str], list[Draft], str]:
    """(checklist data, checked keys, the item drafts, the gate added by the import or '')."""
    root = collector.root
    if root.items:  # items before any section heading get a section of their own
        root.subsections.insert(0, Node(collector.title or "Checklist", 2, root.items))
    builder = Builder()
    ids = Ids()
    sections = [s for s in (builder.section(node, "", ids, None) for node in root.subsections) if s]
    doc: dict[str, Any] = {
        "schema_version": 1,
        "title": collector.title or title or "Imported checklist",
    }
    if root.notes:
        doc["description"] = "\n\n".join(root.notes)
    priorities = [d.priority for d in builder.drafts if d.priority]
    if priorities:
        doc["priority_rationale"] = PRIORITY_RATIONALE
    if builder.emergency:
        doc["emergency_runbook"] = "\n\n".join(builder.emergency)
    doc["section"] = sections
    records = collector.records
    for kind in ("approval", "contact", "link", "changelog"):
        if records[kind]:
            doc[kind] = _approvals(records[kind]) if kind == "approval" else records[kind]
    gate = ""
    criteria = list({c["id"]: c for c in records["criterion"]}.values())
    if not criteria and not records["approval"] and builder.drafts:
        # Never GO by default: with no go/no-go of its own, the checklist must be done to be GO.
        criteria = [default_gate(priorities)]
        gate = criteria[0]["title"]
    if criteria:
        doc["criterion"] = criteria
    return doc, builder.checked, builder.drafts, gate
