"""Verification of the audit chain: hash links, sequence numbers, and that replay gives the stored
state.

The chain itself (changes, hashing, appending, replay) is chain.py; this module checks a
record against it and remembers what it checked, so a cockpit redrawing its header or a
command writing on a long record does not replay the whole history again:

- verdicts by the identities of a state's records (`verify`, `vouch`);
- the verified prefix of a chain and the state its replay gave (`_VERIFIED`), so a chain
  that grew is checked from where the last check ended;
- across processes, by the digest of the text it covered (verified.py).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import verified
from .canon import canonical, first_difference, strip_none
from .chain import GENESIS, Change, apply_change, entry_at, entry_hash, origin
from .lazy import LazyAudit
from .schema import AuditEntry, ItemState, State
from .sweeps import check_vouched


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
    """A verified prefix of a lazily read chain, by the digest of its text (the text itself is not
    kept)."""

    count: int
    digest: str


def _proof(entries: Sequence[AuditEntry]) -> Sequence[AuditEntry] | _Text | None:
    if not isinstance(entries, LazyAudit):
        return list(entries)
    if entries.added or not entries.has_text:
        return None  # entries not written yet: nothing another read will match
    return _Text(entries.stored, entries.prefix_digest(entries.stored))


def _same_prefix(known: Sequence[AuditEntry] | _Text, entries: Sequence[AuditEntry]) -> bool:
    if isinstance(known, _Text):
        # The chunk boundaries are the new text's own: an entry that grew a line does not match.
        return (
            isinstance(entries, LazyAudit)
            and entries.has_text
            and known.count <= entries.stored
            and entries.prefix_digest(known.count) == known.digest
        )
    n = len(known)
    return n <= len(entries) and all(known[i] is entries[i] for i in range(n))


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
            _REMEMBERED[entries.prefix_text(1)] = recalled[
                0
            ]  # already in the cache: not written again soon
            return recalled
    return 0, origin(state)[2]


# The verdicts of states already checked, by the identities of their records and chain head.
# Records are replaced, never mutated (schema.py), so the same objects mean the same state;
# each cached state's records are held (not its history), so no id is reused while its verdict is
# kept. The cockpit asks for the decision on every redraw of the header.
_VERDICTS: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], VerifyReport]] = OrderedDict()


def _identity(state: State) -> tuple[object, ...]:
    # Keys and record identities, not the containers': a store hands out copies of its containers.
    head = state.audit[-1].hash if state.audit else GENESIS
    return (
        tuple(state.items),
        tuple(map(id, state.items.values())),
        tuple(state.approvals),
        tuple(map(id, state.approvals.values())),
        id(state.meta),
        len(state.audit),
        head,
        tuple(state.vouched.items()),
        tuple(state.sweeps),
        tuple(map(id, state.sweeps.values())),
    )


_REMEMBERED: dict[str, int] = {}
"""How many entries of a chain (by its first entry's text) this process last left in verified.py's
cache."""


def _held(state: State) -> tuple[object, ...]:
    return (
        tuple(state.items.values()),
        tuple(state.approvals.values()),
        state.meta,
        tuple(state.sweeps.values()),
    )


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
        # A process that writes for hours (the cockpit) leaves its verification for the next command
        # too. The state as written serves as the replay: it differs from a replay only in vouched
        # items' volatile fields, which the check replaces and an item entry restates before
        # changing.
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
            return VerifyReport(
                False,
                total,
                f"entry {first + index} has seq {entry.seq}: entries deleted or reordered",
                entry.seq,
            )
        if entry.prev != prev:
            return VerifyReport(
                False,
                total,
                f"entry {entry.seq} does not follow entry {entry.seq - 1} (prev hash mismatch)",
                entry.seq,
            )
        if entry_hash(entry.model_dump()) != entry.hash:
            return VerifyReport(
                False, total, f"entry {entry.seq} was modified (hash mismatch)", entry.seq
            )
        try:
            apply_change(
                replay, Change(entry.target, entry.action, dict(entry.values), list(entry.unset))
            )
        except Exception as exc:  # an entry that cannot be replayed is itself evidence of tampering
            return VerifyReport(
                False, total, f"entry {entry.seq} cannot be replayed: {exc}", entry.seq
            )
        prev = entry.hash
    if total and start < total:
        proof = _proof(entries)
        if proof is not None:
            _VERIFIED[entries[-1].hash] = (proof, replay.copy_containers())
        while len(_VERIFIED) > _VERIFIED_LIMIT:
            _VERIFIED.popitem(last=False)
        if (
            isinstance(entries, LazyAudit)
            and entries.stored - start >= verified.REMEMBER_AFTER
            and total == entries.stored
        ):
            verified.remember(entries, total, replay)
            _REMEMBERED[entries.prefix_text(1)] = total
    problem = check_vouched(state, replay) or _check_base(state)
    if problem:
        return VerifyReport(False, total, problem, None)
    for label, stored, derived in (
        ("items", _dump_items(state), _dump_items(replay)),
        (
            "approvals",
            {k: v.model_dump() for k, v in state.approvals.items()},
            {k: v.model_dump() for k, v in replay.approvals.items()},
        ),
        ("meta", state.meta.model_dump(), replay.meta.model_dump()),
    ):
        if canonical(stored) != canonical(derived):
            where = first_difference(stored, derived)
            return VerifyReport(
                False,
                total,
                f"{label} differ from the audit trail at {where}: edited by hand?",
                None,
            )
    return VerifyReport(True, total)


def base_digest(base: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(strip_none(base)).encode()).hexdigest()


def _check_base(state: State) -> str:
    """The archive's latest segment and `base` are what the `archive` entry in the file committed
    to."""
    if not state.archive:
        return "" if not state.base else "base is set without an archive: edited by hand?"
    segment = state.archive[-1]
    entry = entry_at(state, segment.sealed_by)
    committed = {
        "segment": segment.file,
        "sha256": segment.sha256,
        "first": segment.first,
        "last": segment.last,
        "head": segment.head,
        "base": base_digest(state.base),
    }
    if entry is None or entry.action != "archive" or entry.values != committed:
        return (
            f"the archive ({segment.file}) or base differ from the archive entry "
            f"#{segment.sealed_by}: edited by hand?"
        )
    return ""


def _dump_items(state: State) -> dict[str, Any]:
    default = ItemState().model_dump()
    return {k: v.model_dump() for k, v in state.items.items() if v.model_dump() != default}
