"""What a user can do to the record: each action is a list of audited changes.

The CLI and the TUI both call these; nothing else writes the state file. Every action
takes the `Actor` (who, which session, what time) so records and tests agree on both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from .actor import Actor
from .decision import decide, signature
from .engine import ItemResult
from .errors import GoliveError
from .files import open_regular
from .model import Checklist, Item
from .state import AuditEntry, Change, State, Store
from .vocab import STATUSES, Verdict

# A probe's verdict moves the item's status; `error`/`skipped` say nothing about the item.
VERDICT_STATUS = {Verdict.PASS: "done", Verdict.ACCEPTABLE: "done", Verdict.FAIL: "failed"}
STATUS_CYCLE = ("pending", "done", "failed", "n/a", "blocked")


def file_sha256(path: Path) -> str:
    """SHA-256 of a regular file, read in chunks (a 4 GB report costs no memory)."""
    with open_regular(path, "evidence file") as handle:
        try:
            return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            raise GoliveError(f"cannot read evidence file {path}: {exc.strerror or exc}") from None


def evidence_values(evidence: str | None, base: Path | None = None) -> dict[str, str]:
    """Evidence text or link; a path to an existing file also records its SHA-256."""
    if evidence is None:
        return {}
    values = {"evidence": evidence, "evidence_sha256": ""}
    if not evidence or "\n" in evidence or len(evidence) >= 1024 or "://" in evidence:
        return values
    candidate = Path(evidence).expanduser()
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    try:
        exists = candidate.exists()
    except OSError:
        exists = False
    if exists:
        values["evidence_sha256"] = file_sha256(candidate)
    return values


def mark_change(item: Item, status: str, actor: Actor, *, note: str | None = None,
                evidence: str | None = None) -> Change:
    """The audited change that attests `item` with `status` (expiry if the item has one)."""
    if status not in STATUSES:
        raise GoliveError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    when = actor.now()
    values: dict = {"status": status, "by": actor.name, "at": when}
    if note is not None:
        values["note"] = note
    values.update(evidence_values(evidence))
    unset: list[str] = []
    if item.attest_valid_days and status != "pending":
        values["expires_at"] = when + timedelta(days=item.attest_valid_days)
    else:
        unset.append("expires_at")
    return Change(f"item:{item.key}", "mark", values, unset)


def mark(store: Store, item: Item, status: str, *, actor: Actor, note: str | None = None,
         evidence: str | None = None) -> list[AuditEntry]:
    """Attest an item: status, who, when, note and evidence."""
    actor = actor.at(actor.now())  # the status's time and its audit entry's are one moment
    change = mark_change(item, status, actor, note=note, evidence=evidence)
    _, entries = store.transact([change], actor)
    return entries


def cycle_status(store: Store, item: Item, *, actor: Actor) -> str:
    """Move the item to the next status in STATUS_CYCLE, computed on the file as it is now."""
    chosen: list[str] = []

    def build(state: State) -> list[Change]:
        current = state.item(item.key).status
        chosen.append(STATUS_CYCLE[(STATUS_CYCLE.index(current) + 1) % len(STATUS_CYCLE)])
        return [mark_change(item, chosen[-1], actor)]

    store.transact(build, actor)
    return chosen[-1]


def annotate(store: Store, item: Item, *, actor: Actor, note: str | None, evidence: str | None) -> list[AuditEntry]:
    """Change the note and/or evidence without changing the status."""
    values: dict = {}
    if note is not None:
        values["note"] = note
    values.update(evidence_values(evidence))
    if not values:
        return []
    _, entries = store.transact([Change(f"item:{item.key}", "annotate", values)], actor)
    return entries


def probe_change(state: State, outcome: ItemResult, by: str = "") -> Change:
    values: dict = {"probe": outcome.result.to_dict()}
    status = VERDICT_STATUS.get(outcome.result.verdict)
    if status and state.item(outcome.item.key).status != "n/a":
        values["status"] = status
        values["at"] = outcome.result.checked_at
        values["by"] = f"{by} (probe)" if by else "probe"
    return Change(f"item:{outcome.item.key}", "probe", values)


def record_results(store: Store, outcomes: Iterable[ItemResult], *, actor: Actor) -> list[AuditEntry]:
    """Save probe results (one transaction for the batch)."""
    batch = list(outcomes)
    if not batch:
        return []
    _, entries = store.transact(lambda state: [probe_change(state, o, actor.name) for o in batch], actor)
    return entries


def waive(store: Store, item: Item, *, actor: Actor, reason: str, until: datetime) -> list[AuditEntry]:
    """Waive an item until a date: counts as neither pass nor fail. A reason is mandatory."""
    if not reason or not reason.strip():
        raise GoliveError("a waiver needs a reason (--reason)")
    when = actor.now()
    if until <= when:
        raise GoliveError(f"waiver end {until:%Y-%m-%d %H:%M} UTC is in the past")
    waiver = {"reason": reason.strip(), "until": until, "by": actor.name, "at": when}
    _, entries = store.transact([Change(f"item:{item.key}", "waive", {"waiver": waiver})], actor.at(when))
    return entries


def unwaive(store: Store, item: Item, *, actor: Actor) -> list[AuditEntry]:
    _, entries = store.transact(
        lambda s: [Change(f"item:{item.key}", "unwaive", {}, ["waiver"])] if s.item(item.key).waiver else [], actor
    )
    return entries


def approve(store: Store, checklist: Checklist, role_id: str, *, actor: Actor, name: str) -> list[AuditEntry]:
    """Record an approval signed with the digest of every item's state right now."""
    actor = actor.at(actor.now())
    roles = {r.id: r for r in checklist.approval}
    role = roles.get(role_id) or next((r for r in checklist.approval if r.role.lower() == role_id.lower()), None)
    if role is None:
        raise GoliveError(f"unknown approval role {role_id!r}; roles: {', '.join(roles)}")
    if not name.strip():
        raise GoliveError("an approval needs the approver's name (--name)")

    def build(state: State) -> list[Change]:
        seq = (state.audit[-1].seq if state.audit else 0) + 1
        return [Change(f"approval:{role.id}", "approve", {
            "role": role.role, "name": name.strip(), "at": actor.now(), "signature": signature(checklist, state),
            "audit_seq": seq,
        }, ["revoked_at", "revoked_by", "revoke_reason"])]

    _, entries = store.transact(build, actor)
    return entries


def revoke(store: Store, checklist: Checklist, role_id: str, *, actor: Actor, reason: str) -> list[AuditEntry]:
    if role_id not in {r.id for r in checklist.approval}:
        raise GoliveError(f"unknown approval role {role_id!r}")

    def build(state: State) -> list[Change]:
        if role_id not in state.approvals:
            raise GoliveError(f"no approval recorded for {role_id}")
        return [Change(f"approval:{role_id}", "revoke",
                       {"revoked_at": actor.now(), "revoked_by": actor.name, "revoke_reason": reason})]

    _, entries = store.transact(build, actor)
    return entries


def go_live(store: Store, checklist: Checklist, *, actor: Actor, force_reason: str = "") -> list[AuditEntry]:
    """Record the go-live moment once; refuse on NO-GO unless forced with an audited reason."""
    actor = actor.at(actor.now())

    def build(state: State) -> list[Change]:
        if state.meta.golive_at is not None:
            raise GoliveError(f"go-live already recorded at {state.meta.golive_at:%Y-%m-%d %H:%M} UTC by {state.meta.golive_by}")
        decision = decide(checklist, state, actor.now())
        if decision.tampered:
            raise GoliveError(f"TAMPERED: {decision.integrity.problem} — a record that fails verification never goes live")
        if not decision.go and not force_reason.strip():
            raise GoliveError("NO-GO: " + " | ".join(decision.reasons) + " (use --force --reason … to override)")
        values = {"golive_at": actor.now(), "golive_by": actor.name}
        if not decision.go:
            values["golive_forced_reason"] = force_reason.strip()
        return [Change("meta", "go-live" if decision.go else "go-live-forced", values)]

    _, entries = store.transact(build, actor)
    return entries
