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
    role = roles.get(role_id) or next(
        (r for r in checklist.approval if r.role.lower() == role_id.lower()), None
    )
    if role is None:
        raise GoliveError(
            f"unknown approval role {role_id!r}; roles: {', '.join(roles) or '(none)'}"
        )
    return role


def _recorder(state: State, record: ApprovalRecord) -> Operator | None:
    entry = entry_of(state, record)  # by seq: the chain may be archived or lazily parsed
    return Operator.from_record(entry.operator) if entry is not None else None


def _other_role_by_operator(
    checklist: Checklist, state: State, role: ApprovalRole, operator: Operator
) -> str:
    """A role other than `role` that this operator approved as themselves ('' if none): proxies and
    signatures they only recorded for someone else are not their own approvals."""
    for other in checklist.approval:
        record = state.approvals.get(other.id)
        if (
            other.id == role.id
            or record is None
            or record.revoked_at is not None
            or record.proxy
            or record.ssh_signature
        ):
            continue
        recorded = _recorder(state, record)
        if recorded is not None and recorded.same_person(operator):
            return f"{other.role} (as {record.name})"
    return ""


def proxied_roles(checklist: Checklist, state: State, but: str = "") -> list[str]:
    """Roles (other than `but`) whose live approval is a proxy approval."""
    return [
        f"{r.role} ({state.approvals[r.id].name})"
        for r in checklist.approval
        if r.id != but
        and r.id in state.approvals
        and state.approvals[r.id].proxy
        and state.approvals[r.id].revoked_at is None
    ]


def _satisfy(role: ApprovalRole, name: str) -> str:
    return (
        f"{name} can sign a review request from their own laptop (golive approve {role.id} "
        "--request FILE, then --signature FILE.sig), or approve from their own session"
    )


def approve(
    store: Store,
    checklist: Checklist,
    role_id: str,
    *,
    actor: Actor,
    name: str | None = None,
    principal: str | None = None,
    evidence: str | None = None,
    sign_key: str | Path | None = None,
    trust: Trust | None = None,
) -> list[AuditEntry]:
    """Record an approval of the state of every item right now, signed with `sign_key` when given.

    `name` is how the approver is shown (default: the operator's login). `principal` (who
    they are; their identity in the allowed-signers file) defaults to the operator's login:
    approving from your own session is your own approval, whatever name you are shown
    under. With `evidence` it defaults to the name instead: a captain recording someone
    else's yes is a proxy approval, within the checklist's [signoff] proxy policy.
    """
    from .. import signing

    actor = actor.at(actor.now())
    role = find_role(checklist, role_id)
    policy = checklist.signoff
    name = check_name(name or actor.operator.user, "--name")
    proxy_meant = bool(evidence and evidence.strip())
    trust = trust or Trust.of(checklist)
    if sign_key is not None and not principal and trust.allowed_signers is not None:
        principal = signing.principal_of_key(
            sign_key, trust.allowed_signers
        )  # whose key it is, by allowed-signers
    principal = check_name(
        principal or (name if proxy_meant else actor.operator.user), "--principal"
    )
    if sign_key is not None and any(c.isspace() for c in principal):
        raise GoliveError(
            f"a signed approval names the approver's principal as in the allowed-signers file "
            f"(an email or login, no spaces): --principal, not {principal!r}"
        )

    def build(state: State) -> list[Change]:
        decision = decide(checklist, state, actor.now(), trust)
        if decision.tampered:
            raise GoliveError(
                f"TAMPERED: {decision.integrity.problem} — an approval of a record that "
                "fails verification proves nothing"
            )
        seq = (state.audit[-1].seq if state.audit else 0) + 1
        at, digest = actor.now(), signature(checklist, state)
        values = {
            "role": role.role,
            "name": name,
            "principal": principal,
            "at": at,
            "signature": digest,
            "audit_seq": seq,
        }
        unset = [
            "revoked_at",
            "revoked_by",
            "revoke_reason",
            "ssh_signature",
            "chain_head",
            "proxy",
            "evidence",
            "request",
            "proxy_confirmed_by",
        ]
        verified = False
        if sign_key is not None:
            head = chain_head_before(state, seq)  # the approval entry will follow this head
            message = signing.approval_message(
                role=role.id,
                name=name,
                principal=principal,
                at=at,
                state_digest=digest,
                chain_head=head,
            )
            values.update(ssh_signature=signing.sign(message, sign_key), chain_head=head)
            unset = [u for u in unset if u not in ("ssh_signature", "chain_head")]
            record = ApprovalRecord.model_validate(values)
            check = check_record(role.id, record, state, trust)
            if check.label == "invalid":
                raise GoliveError(f"the signature does not verify: {check.detail}")
            verified = check.verified
        own = verified or is_own(
            principal, actor.operator
        )  # the approver is the person at the keyboard
        if not own:
            if sign_key is not None and trust.allowed_signers is None and not proxy_meant:
                raise GoliveError(
                    f"--sign-key: there is no allowed-signers file to verify {principal}'s "
                    "signature against (profile signoff.allowed_signers, or "
                    "--allowed-signers FILE), so it cannot make this their own approval; "
                    "without it, recording their yes is a proxy approval and needs "
                    "--evidence"
                )
            if not proxy_meant:
                raise GoliveError(
                    f"{actor.operator} is recording an approval for {principal}: that is a proxy "
                    "approval, and it needs evidence of their yes "
                    '(--evidence "Slack #cutover 19:02"), or their own signature (--sign-key)'
                )
            proxied = proxied_roles(checklist, state, but=role.id)
            if len(proxied) >= policy.proxy_roles:
                raise GoliveError(
                    f"refused: the checklist's [signoff] lets {policy.proxy_roles} role"
                    f"{'s' if policy.proxy_roles != 1 else ''} be approved by proxy"
                    + (f", and {len(proxied)} already are: {', '.join(proxied)}" if proxied else "")
                    + f". {_satisfy(role, name)}"
                )
            values.update(proxy=True, evidence=(evidence or "").strip())
            unset = [u for u in unset if u not in ("proxy", "evidence")]
        elif checklist.signoff.one_role_per_operator and not verified:
            already = _other_role_by_operator(checklist, state, role, actor.operator)
            if already:
                raise GoliveError(
                    f"{actor.operator.key} already approved {already}: one operator records "
                    "one role (separation of duties, the checklist's [signoff]). "
                    f"{_satisfy(role, name)}; a captain may record a verbal yes as a proxy "
                    "with --evidence"
                )
        return [Change(f"approval:{role.id}", "approve", values, unset)]

    _, entries = store.transact(build, actor)
    return entries


def confirm_proxy(
    store: Store, checklist: Checklist, role_id: str, *, actor: Actor
) -> list[AuditEntry]:
    """A second captain confirms a proxy approval another session recorded (when the checklist asks
    for it)."""
    role = find_role(checklist, role_id)

    def build(state: State) -> list[Change]:
        record = state.approvals.get(role.id)
        if record is None or record.revoked_at is not None or not record.proxy:
            raise GoliveError(f"no live proxy approval of {role.role} to confirm")
        recorded = _recorder(state, record)
        if recorded is not None and recorded.same_person(actor.operator):
            raise GoliveError(
                f"refused: {actor.operator.key} recorded this proxy approval; another "
                "captain (another session or SSH key) confirms it"
            )
        return [
            Change(
                f"approval:{role.id}",
                "confirm-proxy",
                {"proxy_confirmed_by": f"{actor.name} ({actor.operator.key})"},
            )
        ]

    _, entries = store.transact(build, actor)
    return entries


def revoke(
    store: Store, checklist: Checklist, role_id: str, *, actor: Actor, reason: str
) -> list[AuditEntry]:
    role = find_role(checklist, role_id)

    def build(state: State) -> list[Change]:
        if role.id not in state.approvals:
            raise GoliveError(f"no approval recorded for {role.id}")
        return [
            Change(
                f"approval:{role.id}",
                "revoke",
                {"revoked_at": actor.now(), "revoked_by": actor.name, "revoke_reason": reason},
            )
        ]

    _, entries = store.transact(build, actor)
    return entries


__all__ = ["approve", "confirm_proxy", "find_role", "principal_of", "proxied_roles", "revoke"]
