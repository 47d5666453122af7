"""Go / no-go, computed and explained: item outcomes, stale approvals, criteria, progress.

Everything here is a pure function of (checklist, state, now), so the TUI header, the
sign-off screen, `golive status` and the reports always agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from .digest import item_digests, signature
from .model import WINDOW_HOURS, Checklist, Criterion, Item, Section
from .signoff import Signing, Trust, check_record, principal_of, recorded_by
from .state.chain import state_at
from .state.chain_verify import VerifyReport, verify
from .state.schema import ItemState, State
from .vocab import FINISHED_OUTCOMES as DONE_STATES
from .vocab import STATUS_OUTCOME, OutcomeState, is_probe_attester


@dataclass(frozen=True)
class Outcome:
    state: OutcomeState
    reason: str = ""
    """Why the outcome differs from the recorded status (expired attestation or waiver)."""

    @property
    def finished(self) -> bool:
        return self.state in DONE_STATES


def attested_by_probe(istate: ItemState) -> bool:
    """The status was set by a probe result (valid for probe_valid_hours), not attested by a
    person."""
    return is_probe_attester(istate.by)


def outcome(item: Item, istate: ItemState, now: datetime) -> Outcome:
    """How an item counts now, given waivers and attestation expiry."""
    notes = []
    if istate.waiver is not None:
        if istate.waiver.until > now:
            return Outcome(
                "waived",
                f"waived until {istate.waiver.until:%Y-%m-%d %H:%M} UTC: {istate.waiver.reason}",
            )
        notes.append(f"waiver expired on {istate.waiver.until:%Y-%m-%d %H:%M} UTC")
    status = istate.status
    if status != "pending" and istate.expires_at is not None and istate.expires_at <= now:
        if attested_by_probe(istate):
            taken = f" (taken {istate.at:%Y-%m-%d %H:%M} UTC)" if istate.at else ""
            notes.append(
                f"probe verdict expired on {istate.expires_at:%Y-%m-%d %H:%M} UTC{taken}; "
                "probe again"
            )
        else:
            notes.append(
                f"attestation expired on {istate.expires_at:%Y-%m-%d %H:%M} UTC; re-attest"
            )
        status = "pending"
    return Outcome(STATUS_OUTCOME[status], "; ".join(notes))


# --- approvals ------------------------------------------------------------------------------
ApprovalState = Literal["missing", "fresh", "stale", "revoked"]


@dataclass
class ApprovalView:
    role_id: str
    role: str
    state: ApprovalState
    name: str = ""
    at: datetime | None = None
    signature: str = ""
    changed: list[str] = field(default_factory=list)
    """Items whose status, verdict, waiver or evidence changed since the approval."""
    principal: str = ""
    operator: str = ""
    """Who recorded it: the session (user@host from the SSH client), whatever name was typed."""
    signing: Signing = field(default_factory=lambda: Signing("unsigned"))
    """signed / unsigned / proxy / invalid, with why."""
    required_signature: bool = False
    awaiting_confirmation: bool = False
    """A proxy approval that the checklist's [signoff] wants a second captain to confirm, not yet
    confirmed."""

    @property
    def proxy(self) -> bool:
        return self.signing.label == "proxy"

    @property
    def counts(self) -> bool:
        if self.state != "fresh" or self.signing.label == "invalid" or self.awaiting_confirmation:
            return False
        return self.signing.verified or not self.required_signature


def approvals(
    checklist: Checklist,
    state: State,
    current_signature: str | None = None,
    trust: Trust | None = None,
) -> list[ApprovalView]:
    trust = trust or Trust(require_signatures=checklist.signoff.require_signatures)
    sig = current_signature or signature(checklist, state)
    views = []
    now_digests: dict[str, str] | None = None
    for role in checklist.approval:
        record = state.approvals.get(role.id)
        if record is None:
            views.append(
                ApprovalView(
                    role.id, role.role, "missing", required_signature=trust.require_signatures
                )
            )
            continue
        operator = recorded_by(state, record)
        view = ApprovalView(
            role.id,
            role.role,
            "fresh",
            record.name,
            record.at,
            record.signature,
            principal=principal_of(record),
            operator=str(operator) if operator else "",
            signing=check_record(role.id, record, state, trust),
            required_signature=trust.require_signatures,
        )
        view.awaiting_confirmation = bool(
            record.proxy
            and checklist.signoff.proxy_needs_confirmation
            and not record.proxy_confirmed_by
        )
        if record.revoked_at is not None:
            view.state = "revoked"
        elif record.signature != sig:
            view.state = "stale"
            now_digests = now_digests or item_digests(checklist, state)
            then = item_digests(checklist, state_at(state, record.audit_seq))
            view.changed = [key for key, digest in now_digests.items() if then.get(key) != digest]
        views.append(view)
    return views


# --- criteria and decision -----------------------------------------------------------------
@dataclass
class CriterionResult:
    criterion: Criterion
    met: bool
    blockers: list[str]
    """`item-id (state)` for each item that keeps the criterion from being met."""


@dataclass
class Decision:
    go: bool
    criteria: list[CriterionResult]
    approvals: list[ApprovalView]
    reasons: list[str]
    """Every blocking reason, one line each (empty when GO); a failed verification comes first."""
    signature: str
    integrity: VerifyReport
    """The audit chain's verification: a record that fails it is never GO."""

    @property
    def tampered(self) -> bool:
        return not self.integrity.ok

    @property
    def label(self) -> str:
        if self.tampered:
            return "TAMPERED"
        return "GO" if self.go else "NO-GO"


def _items_in(checklist: Checklist, section_key: str) -> list[Item]:
    return [
        i for i in checklist.items() if i.key == section_key or i.key.startswith(section_key + ".")
    ]


def _criterion(checklist: Checklist, state: State, c: Criterion, now: datetime) -> CriterionResult:
    def blockers_of(items: list[Item], bad: tuple[str, ...] | None = None) -> list[str]:
        out = []
        for item in items:
            o = outcome(item, state.item(item.key), now)
            if (bad is None and not o.finished) or (bad is not None and o.state in bad):
                out.append(f"{item.key} ({o.state})")
        return out

    if c.rule == "priority-complete":
        blockers = blockers_of([i for i in checklist.items() if i.priority == c.priority])
    elif c.rule == "section-no-failures":
        blockers = blockers_of(_items_in(checklist, c.section or ""), bad=("failed",))
    elif c.rule == "section-metrics-met":
        blockers = blockers_of(
            [i for i in _items_in(checklist, c.section or "") if i.metric is not None]
        )
    elif c.rule == "section-complete":
        blockers = blockers_of(_items_in(checklist, c.section or ""))
    elif c.rule == "all-complete":
        blockers = blockers_of(list(checklist.items()))
    else:  # items-complete
        items = checklist.item_map()
        blockers = blockers_of([items[key] for key in c.items])
    return CriterionResult(c, not blockers, blockers)


def decide(
    checklist: Checklist, state: State, now: datetime, trust: Trust | None = None
) -> Decision:
    """GO only when the record verifies, every criterion is met and every approval is present and
    fresh (and signed, when `trust` requires signatures)."""
    integrity = verify(state)
    sig = signature(checklist, state)
    criteria = [_criterion(checklist, state, c, now) for c in checklist.criterion]
    views = approvals(checklist, state, sig, trust)
    reasons = [] if integrity.ok else [f"TAMPERED: {integrity.problem}"]
    for result in criteria:
        if not result.met:
            shown = ", ".join(result.blockers[:5]) + (
                f" and {len(result.blockers) - 5} more" if len(result.blockers) > 5 else ""
            )
            reasons.append(f"{result.criterion.title}: {shown}")
    for view in views:
        if view.state == "missing":
            reasons.append(f"Approval missing: {view.role}")
        elif view.state == "revoked":
            reasons.append(f"Approval revoked: {view.role} ({view.name})")
        elif view.state == "stale":
            changed = ", ".join(view.changed[:3]) + (
                f" and {len(view.changed) - 3} more" if len(view.changed) > 3 else ""
            )
            reasons.append(
                f"Approval stale: {view.role} ({view.name}) — changed since: {changed or 'items'}"
            )
        elif view.awaiting_confirmation:
            reasons.append(
                f"Approval by proxy awaits a second captain: {view.role} ({view.name}) — "
                f"golive approve {view.role_id} --confirm-proxy, from another session"
            )
        elif view.signing.label == "invalid":
            reasons.append(
                f"Approval signature invalid: {view.role} ({view.name}) — {view.signing.detail}"
            )
        elif not view.counts:
            reasons.append(
                f"Approval not signed: {view.role} ({view.name}) — signatures are required "
                f"({view.signing.label}{': ' + view.signing.detail if view.signing.detail else ''})"
            )
    return Decision(not reasons, criteria, views, reasons, sig, integrity)


# --- progress and post-go-live ---------------------------------------------------------------
@dataclass
class Progress:
    total: int
    counts: Counter[str]

    @property
    def finished(self) -> int:
        return sum(self.counts[s] for s in DONE_STATES)

    @property
    def failed(self) -> int:
        return self.counts["failed"]

    def label(self) -> str:
        text = f"{self.finished}/{self.total}"
        return text + (f" ✗{self.failed}" if self.failed else "")


def progress(items: list[Item], state: State, now: datetime) -> Progress:
    return Progress(len(items), Counter(outcome(i, state.item(i.key), now).state for i in items))


def section_progress(section: Section, state: State, now: datetime) -> Progress:
    return progress(list(section.all_items()), state, now)


@dataclass
class DueTask:
    item: Item
    due: datetime
    overdue: bool
    finished: bool


def post_golive_tasks(checklist: Checklist, state: State, now: datetime) -> list[DueTask]:
    """Items with a window, with due times once the go-live moment is recorded."""
    start = state.meta.golive_at
    tasks = []
    for item in checklist.items():
        if item.window is None or start is None:
            continue
        due = start + timedelta(hours=WINDOW_HOURS[item.window])
        finished = outcome(item, state.item(item.key), now).finished
        tasks.append(DueTask(item, due, (not finished) and now > due, finished))
    return tasks


@dataclass
class Live:
    """What the header says once the go-live moment is recorded (or a forced one is asked for)."""

    since: datetime | None
    forced: bool
    elapsed: timedelta
    next_task: DueTask | None
    """The first unfinished post-go-live task, by due time."""
    requested_by: str = ""
    """A forced go-live waiting for a second operator: who asked (and `since` is None)."""

    @property
    def label(self) -> str:
        if self.since is None:
            return f"FORCE REQUESTED by {self.requested_by}"
        total = int(self.elapsed.total_seconds())
        clock = f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
        return f"LIVE (forced) {clock}" if self.forced else f"LIVE {clock}"


def live(checklist: Checklist, state: State, now: datetime) -> Live | None:
    """LIVE with its clock and the next post-go-live task due; None before any go-live."""
    meta = state.meta
    if meta.golive_at is None:
        if meta.force_request is not None:
            return Live(None, True, timedelta(0), None, meta.force_request.by)
        return None
    pending = sorted(
        (t for t in post_golive_tasks(checklist, state, now) if not t.finished), key=lambda t: t.due
    )
    return Live(
        meta.golive_at,
        bool(meta.golive_forced_reason),
        max(now - meta.golive_at, timedelta(0)),
        pending[0] if pending else None,
    )
