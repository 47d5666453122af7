"""The tamper-evident audit chain: every change is an entry holding the previous entry's hash.

State is *derived* from the chain: replaying every entry from an empty state must give
exactly the items, approvals and meta stored in the file. `verify` checks both the hash
links and that replay, so a hand edit of any field, a deleted entry or two swapped
entries are all detected and the first broken entry is named.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .schema import ApprovalRecord, AuditEntry, ItemState, Meta, State

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


def canonical(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, datetimes as ISO 8601."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def strip_none(value: Any) -> Any:
    """Drop None recursively: TOML has no null, so what is hashed is what is written and read back."""
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value if v is not None]
    return value


# Fields added after the first files were written: left out of the hash while empty, so
# the chains of those files still verify.
_LATER_FIELDS = ("operator", "change_id")


def entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash" and not (k in _LATER_FIELDS and not v)}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def stored(change: Change) -> Change:
    """The change as it is hashed and written: no None values (TOML has no null), no `expect`."""
    return Change(change.target, change.action, strip_none(change.values), list(change.unset))


def apply_change(state: State, change: Change) -> None:
    """Apply one change to the in-memory state (used for writing and for replay)."""
    kind, _, key = change.target.partition(":")
    if kind == "item":
        current = state.items.get(key, ItemState()).model_dump(exclude_none=False)
        current.update(change.values)
        for name in change.unset:
            current[name] = ItemState.model_fields[name].default
        state.items[key] = ItemState.model_validate(current)
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


def append(state: State, change: Change, *, by: str, at: datetime, operator: dict[str, str] | None = None,
           change_id: str = "") -> AuditEntry:
    """Apply `change` and append its chained audit entry (`operator`: actor.Operator.record())."""
    change = stored(change)
    apply_change(state, change)
    prev = state.audit[-1].hash if state.audit else GENESIS
    seq = state.audit[-1].seq + 1 if state.audit else 1
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
    return entry


@dataclass
class VerifyReport:
    ok: bool
    entries: int
    problem: str = ""
    broken_seq: int | None = None


# Chains already verified: the entries themselves (frozen objects, handed out again by the
# codec for unchanged text) and the state their replay gave. A chain that grew by a few
# entries is verified from the end of its verified prefix on — but only when that prefix
# is the very same entry objects at the very same positions, so an edited, removed or
# reordered entry anywhere sends it through the full check again.
_VERIFIED: OrderedDict[str, tuple[list[AuditEntry], State]] = OrderedDict()
_VERIFIED_LIMIT = 16


def _resume_point(entries: list[AuditEntry], checklist: str) -> tuple[int, State]:
    for head in reversed(_VERIFIED):
        known, replay = _VERIFIED[head]
        n = len(known)
        if n <= len(entries) and entries[n - 1] is known[-1] and all(a is b for a, b in zip(known, entries, strict=False)):
            _VERIFIED.move_to_end(head)
            return len(known), replay.copy_containers()
    return 0, State(checklist=checklist)


# The verdicts of states already checked, by the identities of their records and chain head.
# Records are replaced, never mutated (schema.py), so the same objects mean the same state;
# each cached state is held, so no id is reused while its verdict is kept. The cockpit asks
# for the decision on every redraw of the header.
_VERDICTS: OrderedDict[tuple, tuple[State, VerifyReport]] = OrderedDict()


def _identity(state: State) -> tuple:
    # Keys and record identities, not the containers': a store hands out copies of its containers.
    head = state.audit[-1].hash if state.audit else GENESIS
    return (tuple(state.items), tuple(map(id, state.items.values())), tuple(state.approvals),
            tuple(map(id, state.approvals.values())), id(state.meta), len(state.audit), head)


def vouch(state: State) -> None:
    """Record that `state` verifies without checking it again: for the state a store has just
    written, which verified before it appended entries through `append` — the very function
    replay applies — so it verifies by construction."""
    _VERDICTS[_identity(state)] = (state, VerifyReport(True, len(state.audit)))
    while len(_VERDICTS) > _VERIFIED_LIMIT:
        _VERDICTS.popitem(last=False)


def verify(state: State) -> VerifyReport:
    """Check hash links, sequence numbers, and that replay reproduces the stored state."""
    key = _identity(state)
    known = _VERDICTS.get(key)
    if known is not None:
        return known[1]
    report = _verify(state)
    _VERDICTS[key] = (state, report)
    while len(_VERDICTS) > _VERIFIED_LIMIT:
        _VERDICTS.popitem(last=False)
    return report


def _verify(state: State) -> VerifyReport:
    entries = state.audit
    start, replay = _resume_point(entries, state.checklist)
    prev = entries[start - 1].hash if start else GENESIS
    for index in range(start, len(entries)):
        entry = entries[index]
        if entry.seq != index + 1:
            return VerifyReport(False, len(entries), f"entry {index + 1} has seq {entry.seq}: entries deleted or reordered", entry.seq)
        if entry.prev != prev:
            return VerifyReport(False, len(entries), f"entry {entry.seq} does not follow entry {entry.seq - 1} (prev hash mismatch)", entry.seq)
        if entry_hash(entry.model_dump()) != entry.hash:
            return VerifyReport(False, len(entries), f"entry {entry.seq} was modified (hash mismatch)", entry.seq)
        try:
            apply_change(replay, Change(entry.target, entry.action, dict(entry.values), list(entry.unset)))
        except Exception as exc:  # an entry that cannot be replayed is itself evidence of tampering
            return VerifyReport(False, len(entries), f"entry {entry.seq} cannot be replayed: {exc}", entry.seq)
        prev = entry.hash
    if entries and start < len(entries):
        _VERIFIED[entries[-1].hash] = (list(entries), replay.copy_containers())
        while len(_VERIFIED) > _VERIFIED_LIMIT:
            _VERIFIED.popitem(last=False)
    for label, stored, derived in (
        ("items", _dump_items(state), _dump_items(replay)),
        ("approvals", {k: v.model_dump() for k, v in state.approvals.items()}, {k: v.model_dump() for k, v in replay.approvals.items()}),
        ("meta", state.meta.model_dump(), replay.meta.model_dump()),
    ):
        if canonical(stored) != canonical(derived):
            where = _first_difference(stored, derived)
            return VerifyReport(False, len(entries), f"{label} differ from the audit trail at {where}: edited by hand?", None)
    return VerifyReport(True, len(entries))


def state_at(state: State, seq: int) -> State:
    """The state as it was right after audit entry `seq` (replayed from the chain)."""
    past = State(checklist=state.checklist)
    for entry in state.audit:
        if entry.seq > seq:
            break
        apply_change(past, Change(entry.target, entry.action, dict(entry.values), list(entry.unset)))
    return past


def _dump_items(state: State) -> dict[str, Any]:
    default = ItemState().model_dump()
    return {k: v.model_dump() for k, v in state.items.items() if v.model_dump() != default}


def _first_difference(stored: dict[str, Any], derived: dict[str, Any]) -> str:
    for key in sorted(set(stored) | set(derived)):
        a, b = stored.get(key), derived.get(key)
        if canonical(a) != canonical(b):
            if isinstance(a, dict) and isinstance(b, dict):
                return f"{key}.{_first_difference(a, b)}"
            return key
    return "(unknown)"
