"""Sweep entries: what lets an unchanged re-probe leave no item entry, and still be proven.

A sweep's results that change what an item says (verdict, summary, status, …) are item
entries as before. The others — the same verdict, only new times, duration, reading or
evidence — are *refreshes*: the store keeps each refreshed item in full, a digest of it
(a leaf) in `sweeps`, and one `sweep` audit entry holding the hash of those leaves (the
root), the items, the times and, as every entry, the operator. `vouched` names, for each
item, the sweep whose leaf proves its stored record. Verification checks the root against
the entry, each vouched item against its leaf, and that a sweep changed nothing but what
a refresh may (steady); an item entry states the item in full again, so a vouched item
about to change is first restated (chain.append_all).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .canon import canonical, first_difference
from .schema import ItemState, State

SWEEP = "sweep"
_VOLATILE = ("at", "expires_at")
"""Item fields a re-probe moves without changing what the item says (and the probe's own below)."""
_VOLATILE_PROBE = ("checked_at", "duration_ms", "value", "evidence")


def steady(item: ItemState) -> dict[str, Any]:
    """What a re-probe must leave as it was to be a refresh: all but times, duration, reading and
    evidence."""
    data = item.model_dump()
    for name in _VOLATILE:
        data.pop(name)
    if data["probe"] is not None:
        data["probe"] = {k: v for k, v in data["probe"].items() if k not in _VOLATILE_PROBE}
    return data


def result_leaf(key: str, item: ItemState) -> str:
    """The digest a sweep commits to for one item: the whole item as the sweep left it."""
    return hashlib.sha256(canonical({"key": key, "item": item.model_dump()}).encode()).hexdigest()


def sweep_root(leaves: dict[str, str]) -> str:
    return hashlib.sha256(canonical(leaves).encode()).hexdigest()


def restated(item: ItemState) -> tuple[dict[str, Any], list[str]]:
    """(values, unset) of a vouched item's latest result in full: written before anything else
    changes the item."""
    values: dict[str, Any] = {
        "probe": item.probe.model_dump() if item.probe else None,
        "at": item.at,
        "expires_at": item.expires_at,
    }
    return {k: v for k, v in values.items() if v is not None}, [
        k for k, v in values.items() if v is None
    ]


def check_vouched(state: State, replay: State) -> str:
    """Items a sweep vouches for: the sweep's digests match them and they say what the chain says.

    Then their stored records replace replay's (a sweep entry holds digests, not values).
    """
    if state.vouched != replay.vouched:
        return (
            "vouched differs from the audit trail at "
            f"{first_difference(state.vouched, replay.vouched)}: edited by hand?"
        )
    if set(state.sweeps) != set(state.vouched.values()):
        return "sweeps holds results no item refers to, or lacks some: edited by hand?"
    for root, leaves in state.sweeps.items():
        if sweep_root(leaves) != root:
            return f"the results of sweep {root[:12]} were modified (hash mismatch)"
    for key, root in sorted(state.vouched.items()):
        item = state.items.get(key)
        if item is None or state.sweeps[root].get(key) != result_leaf(key, item):
            return (
                f"items differ from the results sweep {root[:12]} recorded at {key}: "
                "edited by hand?"
            )
        if canonical(steady(item)) != canonical(steady(replay.item(key))):
            return (
                f"items differ from the audit trail at {key}: a sweep changed more than a "
                "re-probe can"
            )
        replay.items[key] = item
    return ""
