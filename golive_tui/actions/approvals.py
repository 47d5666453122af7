"""Approving and revoking: who really signs, as the record can later prove.

An approval records the approver (name, principal), the session that recorded it (the
operator, in its audit entry), the digest of the state approved, and — when signed — the
approver's OpenSSH signature over role, principal, time, digest and chain head. An
approval recorded by someone other than the approver is a *proxy* approval: allowed, shown
as such, and only with evidence. Under the checklist's separation of duties, one operator
may not record a second role unless the approval is signed by the approver's own key.
"""

from __future__ import annotations

from pathlib import Path

from ..actor import Actor, Operator, check_name
from ..decision import decide
from ..digest import signature
from ..errors import GoliveError
from ..model import ApprovalRole, Checklist
from ..signoff import Trust, chain_head_before, check_record, entry_of, is_own, principal_of
from ..state import AuditEntry, Change, State, Store
from ..state.schema import ApprovalRecord


def find_role(checklist: Checklist, role_id: str) -> ApprovalRole:
    roles = {r.id: r for r in checklist.approval}
    role = roles.get(role_id) or next((r for r in checklist.approval if r.role.lower() == role_id.lower()), None)
    if role is None:
        raise GoliveError(f"unknown approval role {role_id!r}; roles: {', '.join(roles) or '(none)'}")
    return role


def _other_role_by_operator(checklist: Checklist, state: State, role: ApprovalRole, operator: Operator) -> str:
    """A role other than `role` whose live approval this operator recorded ('' if none)."""
    for other in checklist.approval:
        record = state.approvals.get(other.id)
        if other.id == role.id or record is None or record.revoked_at is not None:
            continue
        entry = entry_of(state, record)
        recorded = Operator.from_record(entry.operator) if entry is not None else None
        if recorded is not None and recorded.key == operator.key:
            return f"{other.role} (as {record.name})"
    return ""


def approve(store: Store, checklist: Checklist, role_id: str, *, actor: Actor, name: str | None = None,
            principal: str | None = None, evidence: str | None = None, sign_key: str | Path | None = None,
            trust: Trust | None = None) -> list[AuditEntry]:
    """Record an approval of the state of every item right now, signed with `sign_key` when given.

    `name` defaults to the operator's login (approving as yourself); `principal` (the
    identity in the allowed-signers file) to the name. Without a verified signature, an
    approval whose name is not the operator is a proxy approval and needs `evidence`.
    """
    from .. import signing

    actor = actor.at(actor.now())
    role = find_role(checklist, role_id)
    name = check_name(name or actor.operator.user, "--name")
    principal = check_name(principal or name, "--principal")
    if sign_key is not None and any(c.isspace() for c in principal):
        raise GoliveError(f"a signed approval names the approver's principal as in the allowed-signers file "
                          f"(an email or login, no spaces): --principal, not {principal!r}")
    trust = trust or Trust.of(checklist)

    def build(state: State) -> list[Change]:
        decision = decide(checklist, state, actor.now(), trust)
        if decision.tampered:
            raise GoliveError(f"TAMPERED: {decision.integrity.problem} — an approval of a record that fails verification proves nothing")
        seq = (state.audit[-1].seq if state.audit else 0) + 1
        at, digest = actor.now(), signature(checklist, state)
        values = {"role": role.role, "name": name, "principal": principal, "at": at, "signature": digest, "audit_seq": seq}
        unset = ["revoked_at", "revoked_by", "revoke_reason", "ssh_signature", "chain_head", "proxy", "evidence"]
        verified = False
        if sign_key is not None:
            head = chain_head_before(state, seq)  # the approval entry will follow this head
            message = signing.approval_message(role=role.id, name=name, principal=principal, at=at, state_digest=digest,
                                               chain_head=head)
            values.update(ssh_signature=signing.sign(message, sign_key), chain_head=head)
            unset = [u for u in unset if u not in ("ssh_signature", "chain_head")]
            record = ApprovalRecord.model_validate(values)
            check = check_record(role.id, record, state, trust)
            if check.label == "invalid":
                raise GoliveError(f"the signature does not verify: {check.detail}")
            verified = check.verified
        own = verified or is_own(principal, actor.operator)  # the approver is the person at the keyboard
        if not own:
            if not evidence or not evidence.strip():
                raise GoliveError(
                    f"{actor.operator} is recording an approval for {name}: that is a proxy approval, and it needs "
                    "evidence of their yes (--evidence \"Slack #cutover 19:02\"), or their own signature (--sign-key)")
            values.update(proxy=True, evidence=evidence.strip())
            unset = [u for u in unset if u not in ("proxy", "evidence")]
        if checklist.signoff.one_role_per_operator and not verified:
            already = _other_role_by_operator(checklist, state, role, actor.operator)
            if already:
                raise GoliveError(
                    f"{actor.operator.key} already approved {already}: one operator records one role "
                    f"(separation of duties, the checklist's [signoff]). {name} can approve from their own session, "
                    "or sign with their own key (--sign-key)")
        return [Change(f"approval:{role.id}", "approve", values, unset)]

    _, entries = store.transact(build, actor)
    return entries


def revoke(store: Store, checklist: Checklist, role_id: str, *, actor: Actor, reason: str) -> list[AuditEntry]:
    role = find_role(checklist, role_id)

    def build(state: State) -> list[Change]:
        if role.id not in state.approvals:
            raise GoliveError(f"no approval recorded for {role.id}")
        return [Change(f"approval:{role.id}", "revoke",
                       {"revoked_at": actor.now(), "revoked_by": actor.name, "revoke_reason": reason})]

    _, entries = store.transact(build, actor)
    return entries


__all__ = ["approve", "find_role", "principal_of", "revoke"]
