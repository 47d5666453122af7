"""Changing items: attest, annotate, waive, record probe results — with the guard rails on what
moves GO.

Marking an item done or n/a over a `fail`/`error` verdict is an *override*: refused without
a reason, recorded as such, and kept visible next to the fresh verdict of later probe runs
(which never flip it back silently). A P1 item marked n/a needs a reason. A note or
evidence edited on a view older than the file is a conflict, never a silent overwrite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from io import BufferedReader
from pathlib import Path
from typing import Any, cast

from ..actor import Actor
from ..digest import signature
from ..engine import ItemResult
from ..errors import GoliveError
from ..files import open_regular
from ..model import Checklist, Item
from ..reachability import carried, silent_backend
from ..state import AuditEntry, Change, State, Store
from ..state.chain import apply_change, sweep_change
from ..vocab import STATUSES, Verdict, probe_attester

# A probe's verdict moves the item's status; `error`/`skipped` say nothing about the item.
VERDICT_STATUS = {Verdict.PASS: "done", Verdict.ACCEPTABLE: "done", Verdict.FAIL: "failed"}
STATUS_CYCLE = ("pending", "done", "failed", "n/a", "blocked")
OVERRIDDEN = ("fail", "error")
"""Verdicts a person may only contradict with a reason."""


class NeedsOverride(GoliveError):
    """Marking done/n/a over a failing or erroring probe needs a reason (`--override`)."""

    def __init__(self, item: Item, status: str, verdict: str, summary: str) -> None:
        self.item, self.status, self.verdict, self.summary = item, status, verdict, summary
        super().__init__(
            f"{item.key}: its last probe says {verdict} ({summary}); marking it {status} is an "
            f'override — give the reason: --override "why it is {status} anyway"'
        )


class NeedsReason(GoliveError):
    """A P1 item marked n/a needs a reason."""

    def __init__(self, item: Item) -> None:
        self.item = item
        super().__init__(
            f'{item.key} is P1: marking it n/a needs a reason (--note "why it does not apply")'
        )


def file_sha256(path: Path) -> str:
    """SHA-256 of a regular file, read in chunks (a 4 GB report costs no memory)."""
    with open_regular(path, "evidence file") as handle:
        try:
            # os.fdopen(fd, "rb") is a BufferedReader, which has the readinto file_digest uses.
            return hashlib.file_digest(cast(BufferedReader, handle), "sha256").hexdigest()
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


def mark_change(
    item: Item,
    status: str,
    actor: Actor,
    *,
    note: str | None = None,
    evidence: str | None = None,
    state: State | None = None,
    override: str | None = None,
) -> Change:
    """The audited change that attests `item` with `status` (expiry if the item has one).

    Given the `state` it applies to, the guard rails hold: an override over a fail/error
    verdict needs `override` (its reason), a P1 item marked n/a needs a note.
    """
    if status not in STATUSES:
        raise GoliveError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    when = actor.now()
    values: dict[str, Any] = {"status": status, "by": actor.name, "at": when}
    if note is not None:
        values["note"] = note
    values.update(evidence_values(evidence))
    unset: list[str] = []
    if item.attest_valid_days and status != "pending":
        values["expires_at"] = when + timedelta(days=item.attest_valid_days)
    else:
        unset.append("expires_at")
    if state is not None:
        probe = state.item(item.key).probe
        overriding = status in ("done", "n/a") and probe is not None and probe.verdict in OVERRIDDEN
        if overriding:
            assert probe is not None  # overriding needs a probe verdict
            if not override or not override.strip():
                raise NeedsOverride(item, status, probe.verdict, probe.summary)
            values["override"] = {
                "reason": override.strip(),
                "by": actor.name,
                "at": when,
                "verdict": probe.verdict,
                "summary": probe.summary,
            }
        else:
            unset.append(
                "override"
            )  # a status that agrees with the probe needs no override any more
        if (
            status == "n/a"
            and item.priority == "P1"
            and not (note or state.item(item.key).note).strip()
        ):
            raise NeedsReason(item)
    return Change(f"item:{item.key}", "mark", values, unset)


def mark(
    store: Store,
    item: Item,
    status: str,
    *,
    actor: Actor,
    note: str | None = None,
    evidence: str | None = None,
    override: str | None = None,
    reason: str | None = None,
) -> list[AuditEntry]:
    """Attest an item: status, who, when, note and evidence (`reason`: the why of an n/a, kept as
    the note)."""
    actor = actor.at(actor.now())  # the status's time and its audit entry's are one moment
    note = note if note is not None else reason
    _, entries = store.transact(
        lambda state: [
            mark_change(
                item, status, actor, note=note, evidence=evidence, state=state, override=override
            )
        ],
        actor,
    )
    return entries


def cycle_status(store: Store, item: Item, *, actor: Actor) -> str:
    """Move the item to the next status in STATUS_CYCLE, computed on the file as it is now."""
    chosen: list[str] = []

    def build(state: State) -> list[Change]:
        current = state.item(item.key).status
        chosen.append(STATUS_CYCLE[(STATUS_CYCLE.index(current) + 1) % len(STATUS_CYCLE)])
        return [mark_change(item, chosen[-1], actor, state=state)]

    store.transact(build, actor)
    return chosen[-1]


def annotate(
    store: Store,
    item: Item,
    *,
    actor: Actor,
    note: str | None,
    evidence: str | None,
    seen: dict[str, str] | None = None,
) -> list[AuditEntry]:
    """Change the note and/or evidence without changing the status.

    `seen`: the values the editor was opened on; if another captain changed one of those
    fields since, ConflictError shows both values instead of overwriting theirs.
    """
    values: dict[str, Any] = {}
    if note is not None:
        values["note"] = note
    values.update(evidence_values(evidence))
    if not values:
        return []
    expect = {name: seen[name] for name in values if seen is not None and name in seen}
    if "evidence" in expect:
        expect.pop("evidence_sha256", None)
    _, entries = store.transact(
        [Change(f"item:{item.key}", "annotate", values, expect=expect)], actor
    )
    return entries


def probe_change(state: State, outcome: ItemResult, by: str = "") -> Change:
    """A probe result; it moves the status unless a person set it (n/a, or an override stands).

    A `done` the probe set lasts the item's probe_valid_hours: then the item is pending again.
    """
    values: dict[str, Any] = {"probe": outcome.result.to_dict()}
    unset: list[str] = []
    status = VERDICT_STATUS.get(outcome.result.verdict)
    current = state.item(outcome.item.key)
    if (
        silent_backend(outcome.result.summary, outcome.result.evidence) is not None
    ):  # an outage keeps its start and the verdict before it
        values["probe"]["evidence"] = carried(outcome.result.evidence, current.probe)
    if status and current.status != "n/a" and current.override is None:
        values["status"] = status
        values["at"] = outcome.result.checked_at
        values["by"] = probe_attester(by)
        hours = outcome.item.probe_valid_hours
        if (
            hours and status == "done"
        ):  # what counts toward GO goes stale; a failure stays a failure
            values["expires_at"] = outcome.result.checked_at + timedelta(hours=hours)
        else:
            unset.append(
                "expires_at"
            )  # a person's attestation expiry does not outlive the probe's status
    return Change(f"item:{outcome.item.key}", "probe", values, unset)


def record_results(
    store: Store, outcomes: Iterable[ItemResult], *, actor: Actor
) -> list[AuditEntry]:
    """Save probe results (one transaction for the batch): an item entry for each result that
    changes what the item says, one sweep entry committing to all the others (state/sweeps.py)."""
    batch = list(outcomes)
    if not batch:
        return []
    _, entries = store.transact(
        lambda state: [sweep_change([probe_change(state, o, actor.name) for o in batch])], actor
    )
    return entries


def waive(
    store: Store, item: Item, *, actor: Actor, reason: str, until: datetime
) -> list[AuditEntry]:
    """Waive an item until a date: counts as neither pass nor fail. A reason is mandatory."""
    if not reason or not reason.strip():
        raise GoliveError("a waiver needs a reason (--reason)")
    when = actor.now()
    if until <= when:
        raise GoliveError(f"waiver end {until:%Y-%m-%d %H:%M} UTC is in the past")
    waiver = {"reason": reason.strip(), "until": until, "by": actor.name, "at": when}
    _, entries = store.transact(
        [Change(f"item:{item.key}", "waive", {"waiver": waiver})], actor.at(when)
    )
    return entries


def unwaive(store: Store, item: Item, *, actor: Actor) -> list[AuditEntry]:
    _, entries = store.transact(
        lambda s: (
            [Change(f"item:{item.key}", "unwaive", {}, ["waiver"])]
            if s.item(item.key).waiver
            else []
        ),
        actor,
    )
    return entries


def invalidated_approvals(checklist: Checklist, state: State, changes: list[Change]) -> list[str]:
    """The roles whose fresh approval these changes would make stale (to say so before making
    them)."""
    from ..decision import approvals

    fresh = [view for view in approvals(checklist, state) if view.state == "fresh"]
    if not fresh:
        return []
    after = state.copy_containers()
    for change in changes:
        apply_change(after, change)
    new_signature = signature(checklist, after)
    return [view.role for view in fresh if view.signature != new_signature]
