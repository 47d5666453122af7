"""Captains told apart: whose words another captain replaced, read from the audit chain.

When two captains edit the same field and the conflict dialog keeps one side, the other
captain's words are gone from the item — only its history still has them. A session asks
`replaced_since(state, me, seq)` after each reload: every field this captain (their
Operator.key: account, host and SSH key) wrote last that someone else has since overwritten
with something different. The cockpit shows it as a toast; the item's history shows both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .actor import Operator
from .state.schema import State

WATCHED = ("status", "note", "evidence", "waiver")
"""The fields a person types: a probe's verdict replacing a status is not someone replacing your
words."""


@dataclass(frozen=True)
class Replaced:
    item: str
    field: str
    yours: object
    theirs: object
    by: str
    """Who replaced it: their name and captain (account, host, key)."""
    at: datetime
    seq: int

    def message(self) -> str:
        return (
            f"your {self.field} on {self.item} was replaced by {self.by} at {self.at:%H:%M} "
            f"UTC (#{self.seq}; the item's history has both)"
        )


def _brief(value: object) -> object:
    if isinstance(value, dict):
        return value.get("reason") or value.get("verdict") or "…"
    return value


def replaced_since(state: State, me: Operator, since_seq: int) -> list[Replaced]:
    """Fields `me` wrote last that another captain overwrote with a different value in entries after
    `since_seq`."""
    last: dict[tuple[str, str], tuple[str, object]] = {}
    found: list[Replaced] = []
    for entry in state.audit:
        if not entry.target.startswith("item:"):
            continue
        writer = Operator.from_record(entry.operator)
        if writer is None or entry.by == "probe" or entry.by.endswith(" (probe)"):
            continue
        for name in WATCHED:
            if name not in entry.values and name not in entry.unset:
                continue
            value = entry.values.get(name)
            before = last.get((entry.target, name))
            if (
                entry.seq > since_seq
                and before is not None
                and before[0] == me.key
                and writer.key != me.key
                and before[1] != value
            ):
                found.append(
                    Replaced(
                        entry.target[5:],
                        name,
                        _brief(before[1]),
                        _brief(value),
                        f"{entry.by} ({writer.captain})",
                        entry.at,
                        entry.seq,
                    )
                )
            last[(entry.target, name)] = (writer.key, value)
    return found
