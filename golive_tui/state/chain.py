"""The tamper-evident audit chain: every change is an entry holding the previous entry's hash.

State is *derived* from the chain: replaying every entry from an empty state must give
exactly the items, approvals and meta stored in the file. `verify` checks both the hash
links and that replay, so a hand edit of any field, a deleted entry or two swapped
entries are all detected and the first broken entry is named.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import verified
from .canon import canonical, first_difference, strip_none
from .lazy import LazyAudit
from .schema import ApprovalRecord, AuditEntry, ItemState, Meta, State
from .sweeps import SWEEP, check_vouched, restated, result_leaf, steady, sweep_root

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
        state.vouched.pop(key, None)  # an item entry states the item in full: no sweep vouches for it any more
    elif kind == SWEEP:
        if "results" in change.values:  # a sweep not yet written (a preview): its results as they would apply
            for name, result in change.values["results"].items():
                apply_change(state, Change(f"item:{name}", "probe", result["values"], list(result.get("unset", []))))
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


def _append_one(state: State, change: Change, by: str, at: datetime, operator: dict[str, str] | None,
                change_id: str = "") -> AuditEntry:
    apply_change(state, change)
    prev = state.audit[-1].hash if state.audit else state.archive[-1].head if state.archive else GENESIS
    seq = state.audit[-1].seq + 1 if state.audit else state.archive[-1].last + 1 if state.archive else 1
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


def append_all(state: State, change: Change, *, by: str, at: datetime, operator: dict[str, str] | None = None,
               change_id: str = "") -> list[AuditEntry]:
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
    if kind == "item" and key in state.vouched and not {"probe", "at", "expires_at"} <= {*change.values, *change.unset}:
        entries.append(_append_one(state, stored(Change(f"item:{key}", "restate", *restated(state.items[key]))), by, at, operator,
                                   change_id))
    entries.append(_append_one(state, change, by, at, operator, change_id))
    return entries


def append(state: State, change: Change, *, by: str, at: datetime, operator: dict[str, str] | None = None,
           change_id: str = "") -> AuditEntry:
    """Apply `change` and append its chained audit entry; the last one when it takes several (append_all)."""
    return append_all(state, change, by=by, at=at, operator=operator, change_id=change_id)[-1]


@dataclass
class VerifyReport:
    ok: bool
    entries: int
    problem: str = ""
    broken_seq: int | None = None


# Chains already verified: the entries themselves (frozen objects, handed out again by the
# codec for unchanged text) and the state their replay gave. A chain that grew by a few
# entries is verified from the end of its verified prefix on — but only when that prefix
# is the very same entry objects at the very same positions (or the same text, by digest, for
# a lazily read chain), so an edited, removed or reordered entry anywhere sends it through
# the full check again. Another process's verification is recalled by its text (verified.py).
_VERIFIED: OrderedDict[str, tuple[Sequence[AuditEntry] | _Text, State]] = OrderedDict()
_VERIFIED_LIMIT = 16


@dataclass(frozen=True)
class _Text:
    """A verified prefix of a lazily read chain, by the digest of its text (the text itself is not kept)."""

    count: int
    digest: str


def _proof(entries: Sequence[AuditEntry]) -> Sequence[AuditEntry] | _Text | None:
    if not isinstance(entries, LazyAudit):
        return list(entries)
    if entries.added or not entries.has_text:
        return None  # entries not written yet: nothing another read will match
    return _Text(entries.stored, hashlib.sha256(entries.prefix_text(entries.stored).encode()).hexdigest())


def _same_prefix(known: Sequence[AuditEntry] | _Text, entries: Sequence[AuditEntry]) -> bool:
    if isinstance(known, _Text):
        # The chunk boundaries are the new text's own: an entry that grew a line does not match.
        return (isinstance(entries, LazyAudit) and entries.has_text and known.count <= entries.stored
                and hashlib.sha256(entries.prefix_text(known.count).encode()).hexdigest() == known.digest)
    n = len(known)
    return n <= len(entries) and all(known[i] is entries[i] for i in range(n))


def origin(state: State) -> tuple[int, str, State]:
    """Where the chain in the file starts: (first seq, the hash it links to, the state replayed before it)."""
    if not state.archive:
        return 1, GENESIS, State(checklist=state.checklist)
    last = state.archive[-1]
    return last.last + 1, last.head, State.model_validate({**state.base, "checklist": state.checklist})


def _resume_point(state: State) -> tuple[int, State]:
    entries = state.audit
    for head in reversed(_VERIFIED):
        known, replay = _VERIFIED[head]
        count = known.count if isinstance(known, _Text) else len(known)
        if count and _same_prefix(known, entries):
            _VERIFIED.move_to_end(head)
            return count, replay.copy_containers()
    if isinstance(entries, LazyAudit):
        recalled = verified.recall(entries)
        if recalled is not None:
            _REMEMBERED[entries.prefix_text(1)] = recalled[0]  # already in the cache: not written again soon
            return recalled
    return 0, origin(state)[2]


# The verdicts of states already checked, by the identities of their records and chain head.
# Records are replaced, never mutated (schema.py), so the same objects mean the same state;
# each cached state's records are held (not its history), so no id is reused while its verdict is kept. The cockpit asks
# for the decision on every redraw of the header.
_VERDICTS: OrderedDict[tuple, tuple[tuple, VerifyReport]] = OrderedDict()


def _identity(state: State) -> tuple:
    # Keys and record identities, not the containers': a store hands out copies of its containers.
    head = state.audit[-1].hash if state.audit else GENESIS
    return (tuple(state.items), tuple(map(id, state.items.values())), tuple(state.approvals),
            tuple(map(id, state.approvals.values())), id(state.meta), len(state.audit), head,
            tuple(state.vouched.items()), tuple(state.sweeps), tuple(map(id, state.sweeps.values())))


_REMEMBERED: dict[str, int] = {}
"""How many entries of a chain (by its first entry's text) this process last left in verified.py's cache."""


def _held(state: State) -> tuple:
    return tuple(state.items.values()), tuple(state.approvals.values()), state.meta, tuple(state.sweeps.values())


def vouch(state: State) -> None:
    """Record that `state` verifies without checking it again: for the state a store has just
    written, which verified before it appended entries through `append` — the very function
    replay applies — so it verifies by construction."""
    _VERDICTS[_identity(state)] = (_held(state), VerifyReport(True, len(state.audit)))
    while len(_VERDICTS) > _VERIFIED_LIMIT:
        _VERDICTS.popitem(last=False)
    audit = state.audit
    if not isinstance(audit, LazyAudit) or audit.added or not audit.stored:
        return
    chain_key = audit.prefix_text(1)  # the first entry names the chain
    if audit.stored - _REMEMBERED.get(chain_key, 0) >= verified.REMEMBER_AFTER:
        # A process that writes for hours (the cockpit) leaves its verification for the next command too.
        # The state as written serves as the replay: it differs from a replay only in vouched items'
        # volatile fields, which the check replaces and an item entry restates before changing.
        verified.remember(audit, audit.stored, state)
        _REMEMBERED.clear()
        _REMEMBERED[chain_key] = audit.stored


def verify(state: State) -> VerifyReport:
    """Check hash links, sequence numbers, and that replay reproduces the stored state."""
    key = _identity(state)
    known = _VERDICTS.get(key)
    if known is not None:
        return known[1]
    report = _verify(state)
    _VERDICTS[key] = (_held(state), report)
    while len(_VERDICTS) > _VERIFIED_LIMIT:
        _VERDICTS.popitem(last=False)
    return report


def _verify(state: State) -> VerifyReport:
    entries = state.audit
    total = len(entries)
    first, genesis, _ = origin(state)
    start, replay = _resume_point(state)
    prev = entries[start - 1].hash if start else genesis
    for index in range(start, total):
        entry = entries[index]
        if entry.seq != first + index:
            return VerifyReport(False, total, f"entry {first + index} has seq {entry.seq}: entries deleted or reordered", entry.seq)
        if entry.prev != prev:
            return VerifyReport(False, total, f"entry {entry.seq} does not follow entry {entry.seq - 1} (prev hash mismatch)", entry.seq)
        if entry_hash(entry.model_dump()) != entry.hash:
            return VerifyReport(False, total, f"entry {entry.seq} was modified (hash mismatch)", entry.seq)
        try:
            apply_change(replay, Change(entry.target, entry.action, dict(entry.values), list(entry.unset)))
        except Exception as exc:  # an entry that cannot be replayed is itself evidence of tampering
            return VerifyReport(False, total, f"entry {entry.seq} cannot be replayed: {exc}", entry.seq)
        prev = entry.hash
    if total and start < total:
        proof = _proof(entries)
        if proof is not None:
            _VERIFIED[entries[-1].hash] = (proof, replay.copy_containers())
        while len(_VERIFIED) > _VERIFIED_LIMIT:
            _VERIFIED.popitem(last=False)
        if isinstance(entries, LazyAudit) and entries.stored - start >= verified.REMEMBER_AFTER and total == entries.stored:
            verified.remember(entries, total, replay)
            _REMEMBERED[entries.prefix_text(1)] = total
    problem = check_vouched(state, replay) or _check_base(state)
    if problem:
        return VerifyReport(False, total, problem, None)
    for label, stored, derived in (
        ("items", _dump_items(state), _dump_items(replay)),
        ("approvals", {k: v.model_dump() for k, v in state.approvals.items()}, {k: v.model_dump() for k, v in replay.approvals.items()}),
        ("meta", state.meta.model_dump(), replay.meta.model_dump()),
    ):
        if canonical(stored) != canonical(derived):
            where = first_difference(stored, derived)
            return VerifyReport(False, total, f"{label} differ from the audit trail at {where}: edited by hand?", None)
    return VerifyReport(True, total)


def state_at(state: State, seq: int) -> State:
    """The state as it was right after audit entry `seq` (replayed from the chain, or from the archive's base)."""
    first, _, past = origin(state)
    if seq < first - 1:
        raise ValueError(f"entry {seq} is archived: `golive audit verify` reads the segments")
    for entry in state.audit:
        if entry.seq > seq:
            break
        apply_change(past, Change(entry.target, entry.action, dict(entry.values), list(entry.unset)))
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


def base_digest(base: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(strip_none(base)).encode()).hexdigest()


def _check_base(state: State) -> str:
    """The archive's latest segment and `base` are what the `archive` entry in the file committed to."""
    if not state.archive:
        return "" if not state.base else "base is set without an archive: edited by hand?"
    segment = state.archive[-1]
    entry = entry_at(state, segment.sealed_by)
    committed = {"segment": segment.file, "sha256": segment.sha256, "first": segment.first, "last": segment.last,
                 "head": segment.head, "base": base_digest(state.base)}
    if entry is None or entry.action != "archive" or entry.values != committed:
        return f"the archive ({segment.file}) or base differ from the archive entry #{segment.sealed_by}: edited by hand?"
    return ""


def origin_seq(state: State) -> int:
    return state.archive[-1].last + 1 if state.archive else 1





def _dump_items(state: State) -> dict[str, Any]:
    default = ItemState().model_dump()
    return {k: v.model_dump() for k, v in state.items.items() if v.model_dump() != default}


# --- sweeps: one entry for the re-probes that change nothing but their times and readings (sweeps.py)
def sweep_change(changes: list[Change]) -> Change:
    """The probe results of one sweep (items.probe_change) as one change for append_all."""
    return Change(SWEEP, SWEEP, {"results": {c.target.partition(":")[2]: {"values": c.values, "unset": list(c.unset)}
                                             for c in changes}})


def _append_sweep(state: State, change: Change, by: str, at: datetime, operator: dict[str, str] | None,
                  change_id: str = "") -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    refreshed: dict[str, ItemState] = {}
    for key, result in change.values["results"].items():  # in the order the results came
        values, unset = dict(result["values"]), list(result.get("unset", []))
        before = state.items.get(key)
        after = _applied(before, values, unset)
        if before is not None and before.probe is not None and steady(before) == steady(after):
            refreshed[key] = after
        else:
            entries += append_all(state, Change(f"item:{key}", "probe", values, unset), by=by, at=at, operator=operator,
                                  change_id=change_id)
    if refreshed:
        state.items.update(refreshed)
        leaves = {key: result_leaf(key, item) for key, item in refreshed.items()}
        root = sweep_root(leaves)
        state.sweeps[root] = leaves
        times = [item.probe.checked_at for item in refreshed.values() if item.probe is not None]
        values = {"root": root, "items": sorted(refreshed), "started": min(times), "finished": max(times)}
        entries.append(_append_one(state, Change(SWEEP, SWEEP, values), by, at, operator, change_id))
    return entries
