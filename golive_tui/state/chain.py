"""The tamper-evident audit chain: every change is an entry holding the previous entry's hash.

State is *derived* from the chain: replaying every entry from an empty state must give
exactly the items, approvals and meta stored in the file. This module writes the chain
(changes, hashing, appending) and replays it; chain_verify.py checks both the hash links
and that replay, so a hand edit of any field, a deleted entry or two swapped entries are
all detected and the first broken entry is named.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .canon import canonical, strip_none
from .schema import ApprovalRecord, AuditEntry, ItemState, Meta, State
from .sweeps import SWEEP, restated, result_leaf, steady, sweep_root

GENESIS = "0" * 64


@dataclass
class Change:
    """One change to one target: fields to set and fields to clear."""

    target: str
    action: str
    values: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)
    """Values the user saw before changing (not stored): a mismatch is a conflict."""


# Fields added after the first files were written: left out of the hash while empty, so
# the chains of those files still verify.
_LATER_FIELDS = ("operator", "change_id")


def entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash" and not (k in _LATER_FIELDS and not v)}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def stored(change: Change) -> Change:
    """The change as it is hashed and written: no None values (TOML has no null), no `expect`."""
    return Change(change.target, change.action, strip_none(change.values), list(change.unset))


def _applied(item: ItemState | None, values: dict[str, Any], unset: list[str]) -> ItemState:
    current = (item or ItemState()).model_dump(exclude_none=False)
    current.update(values)
    for name in unset:
        current[name] = ItemState.model_fields[name].default
    return ItemState.model_validate(current)


def apply_change(state: State, change: Change) -> None:
    """Apply one change to the in-memory state (used for writing and for replay)."""
    kind, _, key = change.target.partition(":")
    if kind == "item":
        state.items[key] = _applied(state.items.get(key), change.values, change.unset)
        state.vouched.pop(
            key, None
        )  # an item entry states the item in full: no sweep vouches for it any more
    elif kind == SWEEP:
        if (
            "results" in change.values
        ):  # a sweep not yet written (a preview): its results as they would apply
            for name, result in change.values["results"].items():
                apply_change(
                    state,
                    Change(
                        f"item:{name}", "probe", result["values"], list(result.get("unset", []))
                    ),
                )
        else:
            for name in change.values["items"]:
                state.vouched[name] = change.values["root"]
    elif kind == "approval":
        current_approval = state.approvals.get(key)
        data = current_approval.model_dump() if current_approval else {}
        data.update(change.values)
        for name in change.unset:
            data.pop(name, None)
        if data:
            state.approvals[key] = ApprovalRecord.model_validate(data)
        else:
            state.approvals.pop(key, None)
    elif kind == "record":
        pass  # an entry about the record itself (an accepted tampering): it changes no field
    elif kind == "meta":
        data = state.meta.model_dump()
        data.update(change.values)
        for name in change.unset:
            data[name] = Meta.model_fields[name].default
        state.meta = Meta.model_validate(data)
    else:
        raise ValueError(f"unknown audit target {change.target!r}")


def _append_one(
    state: State,
    change: Change,
    by: str,
    at: datetime,
    operator: dict[str, str] | None,
    change_id: str = "",
) -> AuditEntry:
    apply_change(state, change)
    prev = (
        state.audit[-1].hash
        if state.audit
        else state.archive[-1].head
        if state.archive
        else GENESIS
    )
    seq = (
        state.audit[-1].seq + 1
        if state.audit
        else state.archive[-1].last + 1
        if state.archive
        else 1
    )
    body: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "by": by,
        **({"operator": dict(operator)} if operator else {}),
        "action": change.action,
        "target": change.target,
        "values": change.values,
        "unset": change.unset,
        "prev": prev,
        **({"change_id": change_id} if change_id else {}),
    }
    entry = AuditEntry.model_validate({**body, "hash": entry_hash(body)})
    state.audit.append(entry)
    live = set(state.vouched.values())
    for root in [root for root in state.sweeps if root not in live]:
        del state.sweeps[root]  # no item's latest result is from that sweep any more
    return entry


def append_all(
    state: State,
    change: Change,
    *,
    by: str,
    at: datetime,
    operator: dict[str, str] | None = None,
    change_id: str = "",
) -> list[AuditEntry]:
    """Apply `change` and append its chained audit entries (`operator`: actor.Operator.record()).

    A sweep (sweep_change) becomes an item entry for each result that changes what the
    record says and one `sweep` entry for all the others; a change to an item whose latest
    result a sweep vouches for is preceded by a `restate` entry holding that result in full.
    """
    change = stored(change)
    if change.target == SWEEP and "results" in change.values:
        return _append_sweep(state, change, by, at, operator, change_id)
    kind, _, key = change.target.partition(":")
    entries = []
    if (
        kind == "item"
        and key in state.vouched
        and not {"probe", "at", "expires_at"} <= {*change.values, *change.unset}
    ):
        entries.append(
            _append_one(
                state,
                stored(Change(f"item:{key}", "restate", *restated(state.items[key]))),
                by,
                at,
                operator,
                change_id,
            )
        )
    entries.append(_append_one(state, change, by, at, operator, change_id))
    return entries


def new_change_id() -> str:
    """A transaction's id (the `change_id` of its entries): random, so a retried or replayed write
    is recognised in the chain."""
    return uuid.uuid4().hex


def append(
    state: State,
    change: Change,
    *,
    by: str,
    at: datetime,
    operator: dict[str, str] | None = None,
    change_id: str = "",
) -> AuditEntry:
    """Apply `change` and append its chained audit entry; the last one when it takes several
    (append_all)."""
    return append_all(state, change, by=by, at=at, operator=operator, change_id=change_id)[-1]


def origin(state: State) -> tuple[int, str, State]:
    """Where the chain in the file starts: (first seq, the hash it links to, the state replayed
    before it)."""
    if not state.archive:
        return 1, GENESIS, State(checklist=state.checklist)
    last = state.archive[-1]
    return (
        last.last + 1,
        last.head,
        State.model_validate({**state.base, "checklist": state.checklist}),
    )


def state_at(state: State, seq: int) -> State:
    """The state as it was right after audit entry `seq` (replayed from the chain, or from the
    archive's base)."""
    first, _, past = origin(state)
    if seq < first - 1:
        raise ValueError(f"entry {seq} is archived: `golive audit verify` reads the segments")
    for entry in state.audit:
        if entry.seq > seq:
            break
        apply_change(
            past, Change(entry.target, entry.action, dict(entry.values), list(entry.unset))
        )
    return past


def entry_at(state: State, seq: int) -> AuditEntry | None:
    """The entry with sequence number `seq` in the state file (None when archived or absent)."""
    index = seq - origin_seq(state)
    return state.audit[index] if 0 <= index < len(state.audit) else None


def head_before(state: State, seq: int) -> str:
    """The chain's head just before entry `seq` (what an approval at `seq` signs)."""
    first = origin_seq(state)
    if seq == first:
        return state.archive[-1].head if state.archive else GENESIS
    entry = entry_at(state, seq - 1)
    return entry.hash if entry is not None else GENESIS


def origin_seq(state: State) -> int:
    return state.archive[-1].last + 1 if state.archive else 1


# --- sweeps: one entry for the re-probes that change nothing but their times and readings
# (sweeps.py)
def sweep_change(changes: list[Change]) -> Change:
    """The probe results of one sweep (items.probe_change) as one change for append_all."""
    return Change(
        SWEEP,
        SWEEP,
        {
            "results": {
                c.target.partition(":")[2]: {"values": c.values, "unset": list(c.unset)}
                for c in changes
            }
        },
    )


def _append_sweep(
    state: State,
    change: Change,
    by: str,
    at: datetime,
    operator: dict[str, str] | None,
    change_id: str = "",
) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    refreshed: dict[str, ItemState] = {}
    for key, result in change.values["results"].items():  # in the order the results came
        values, unset = dict(result["values"]), list(result.get("unset", []))
        before = state.items.get(key)
        after = _applied(before, values, unset)
        if before is not None and before.probe is not None and steady(before) == steady(after):
            refreshed[key] = after
        else:
            entries += append_all(
                state,
                Change(f"item:{key}", "probe", values, unset),
                by=by,
                at=at,
                operator=operator,
                change_id=change_id,
            )
    if refreshed:
        state.items.update(refreshed)
        leaves = {key: result_leaf(key, item) for key, item in refreshed.items()}
        root = sweep_root(leaves)
        state.sweeps[root] = leaves
        times = [item.probe.checked_at for item in refreshed.values() if item.probe is not None]
        values = {
            "root": root,
            "items": sorted(refreshed),
            "started": min(times),
            "finished": max(times),
        }
        entries.append(
            _append_one(state, Change(SWEEP, SWEEP, values), by, at, operator, change_id)
        )
    return entries
