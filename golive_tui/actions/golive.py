"""The go-live moment: recorded once on GO; on NO-GO only by two operators.

Forcing a go-live past a NO-GO takes a reason from one operator and a confirmation from a
second one (another OS account or host), or a fresh, verified signed approval by a role
the checklist names (`[signoff] force_confirm_roles`). A record that fails verification
never goes live, forced or not.
"""

from __future__ import annotations

from ..actor import Actor, Operator
from ..decision import Decision, decide
from ..errors import GoliveError
from ..model import Checklist
from ..signoff import Trust
from ..state import AuditEntry, Change, State, Store


def _refuse_tampered_or_live(
    checklist: Checklist, state: State, actor: Actor, trust: Trust | None
) -> Decision:
    if state.meta.golive_at is not None:
        raise GoliveError(
            f"go-live already recorded at {state.meta.golive_at:%Y-%m-%d %H:%M} UTC by "
            f"{state.meta.golive_by}"
        )
    decision = decide(checklist, state, actor.now(), trust)
    if decision.tampered:
        raise GoliveError(
            f"TAMPERED: {decision.integrity.problem} — a record that fails verification "
            "never goes live"
        )
    return decision


def go_live(
    store: Store,
    checklist: Checklist,
    *,
    actor: Actor,
    force_reason: str = "",
    trust: Trust | None = None,
) -> list[AuditEntry]:
    """Record the go-live moment on GO; on NO-GO, `force_reason` asks for a forced go-live (a second
    operator confirms)."""
    actor = actor.at(actor.now())

    def build(state: State) -> list[Change]:
        decision = _refuse_tampered_or_live(checklist, state, actor, trust)
        if decision.go:
            return [Change("meta", "go-live", {"golive_at": actor.now(), "golive_by": actor.name})]
        if not force_reason.strip():
            raise GoliveError(
                "NO-GO: "
                + " | ".join(decision.reasons)
                + " (use --force --reason … to ask for a forced go-live)"
            )
        return [_request(state, actor, force_reason)]

    _, entries = store.transact(build, actor)
    return entries


def _request(state: State, actor: Actor, reason: str) -> Change:
    pending = state.meta.force_request
    if pending is not None:
        raise GoliveError(
            f"a forced go-live is already requested by {pending.by} ({pending.reason}): "
            "another operator confirms it with `golive golive --force --confirm`"
        )
    request = {
        "reason": reason.strip(),
        "by": actor.name,
        "at": actor.now(),
        "operator": actor.operator.record(),
    }
    return Change("meta", "go-live-force-requested", {"force_request": request})


def request_forced_go_live(
    store: Store, checklist: Checklist, *, actor: Actor, reason: str, trust: Trust | None = None
) -> list[AuditEntry]:
    """Ask for a go-live despite NO-GO: recorded with its reason, live only once a second operator
    confirms."""
    if not reason.strip():
        raise GoliveError("forcing a go-live needs a reason")
    actor = actor.at(actor.now())

    def build(state: State) -> list[Change]:
        decision = _refuse_tampered_or_live(checklist, state, actor, trust)
        if decision.go:
            raise GoliveError("the decision is GO: record the go-live without forcing it")
        return [_request(state, actor, reason)]

    _, entries = store.transact(build, actor)
    return entries


def confirm_forced_go_live(
    store: Store, checklist: Checklist, *, actor: Actor, trust: Trust | None = None
) -> list[AuditEntry]:
    """Confirm a requested forced go-live as a second operator; the go-live moment is recorded
    now."""
    actor = actor.at(actor.now())

    def build(state: State) -> list[Change]:
        decision = _refuse_tampered_or_live(checklist, state, actor, trust)
        request = state.meta.force_request
        if request is None:
            raise GoliveError("no forced go-live was requested (golive golive --force --reason …)")
        requester = Operator.from_record(request.operator)
        if requester is not None and requester.same_person(actor.operator):
            signed = [
                v
                for v in decision.approvals
                if v.role_id in checklist.signoff.force_confirm_roles
                and v.state == "fresh"
                and v.signing.verified
                and v.at is not None
                and v.at >= request.at
            ]
            if not signed:
                roles = ", ".join(checklist.signoff.force_confirm_roles)
                raise GoliveError(
                    (
                        f"{actor.operator.key} requested this forced go-live: a second operator "
                        "must confirm it"
                    )
                    + (f", or a fresh signed approval by {roles}" if roles else "")
                )
        confirmed = f"{actor.name} ({actor.operator})"
        return [
            Change(
                "meta",
                "go-live-forced",
                {
                    "golive_at": actor.now(),
                    "golive_by": request.by,
                    "golive_forced_reason": request.reason,
                    "golive_confirmed_by": confirmed,
                },
                ["force_request"],
            )
        ]

    _, entries = store.transact(build, actor)
    return entries
