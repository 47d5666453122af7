"""Approvals from anywhere: write a review request, import the approver's own signature of it.

`write_request` writes the text file an approver signs with plain `ssh-keygen -Y sign`;
`import_signature` verifies FILE.sig against the allowed-signers file and records the
approval as the signer's own (their principal, their signature over the exact request
text), never as a proxy. A request whose state digest is no longer current is refused with
the items that changed: a signature over another state is never counted as fresh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..actor import Actor, check_name
from ..decision import decide
from ..digest import item_digests
from ..errors import GoliveError
from ..model import Checklist
from ..review import ReviewRequest, normalised, parse, render, variants
from ..signoff import Trust, seq_of_head
from ..state import AuditEntry, Change, State, Store
from ..state.chain import GENESIS, state_at
from .approvals import find_role

UNSET = ["revoked_at", "revoked_by", "revoke_reason", "proxy", "evidence", "proxy_confirmed_by"]


@dataclass(frozen=True)
class WrittenRequest:
    path: Path
    request: ReviewRequest
    text: str


def request_for(
    checklist: Checklist,
    state: State,
    role_id: str,
    *,
    target: str,
    actor: Actor,
    trust: Trust | None = None,
) -> ReviewRequest:
    """The review request for a role over the state as it is now."""
    role = find_role(checklist, role_id)
    decision = decide(checklist, state, actor.now(), trust)
    blockers = [r for r in decision.reasons if r != f"Approval missing: {role.role}"]
    head = state.audit[-1].hash if state.audit else GENESIS
    captain = (
        actor.name
        if actor.name == f"{actor.operator.user}@{actor.operator.host}"
        else f"{actor.name} ({actor.operator.key})"
    )
    return ReviewRequest(
        checklist.title,
        target,
        role.id,
        role.role,
        decision.label,
        decision.signature,
        head,
        actor.now(),
        captain,
        blockers,
    )


def write_request(
    store: Store,
    checklist: Checklist,
    role_id: str,
    path: Path,
    *,
    target: str,
    actor: Actor,
    trust: Trust | None = None,
) -> WrittenRequest:
    """Write the review request for `role_id` to `path` (atomically); nothing is written to the
    record."""
    request = request_for(
        checklist, store.read(), role_id, target=target, actor=actor.at(actor.now()), trust=trust
    )
    text = render(request, path.name)
    temp = path.with_name(f".{path.name}.tmp")
    try:
        temp.write_text(text)
        os.replace(temp, path)
    except OSError as exc:
        raise GoliveError(
            f"{path}: cannot write the review request: {exc.strerror or exc}"
        ) from None
    return WrittenRequest(path, request, text)


def read_signature(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoliveError(
            f"{path}: cannot read the signature: {getattr(exc, 'strerror', None) or exc}"
        ) from None


def request_beside(signature_path: Path) -> Path:
    """FILE for FILE.sig: where `ssh-keygen -Y sign FILE` put the signature."""
    if signature_path.suffix != ".sig":
        raise GoliveError(
            f"{signature_path}: a signature from ssh-keygen -Y sign is FILE.sig; name the "
            "request with --request FILE"
        )
    return signature_path.with_suffix("")


def changed_since(checklist: Checklist, state: State, head_seq: int) -> list[str]:
    """Items whose status, verdict, waiver or evidence differ between just after entry `head_seq`
    and now."""
    then = item_digests(checklist, state_at(state, head_seq))
    return [
        key for key, digest in item_digests(checklist, state).items() if then.get(key) != digest
    ]


def import_signature(
    store: Store,
    checklist: Checklist,
    role_id: str,
    request_text: str,
    signature_text: str,
    *,
    actor: Actor,
    trust: Trust,
    name: str | None = None,
) -> list[AuditEntry]:
    """Record the approver's own signed approval of a review request, or refuse with the reason."""
    from .. import signing

    actor = actor.at(actor.now())
    role = find_role(checklist, role_id)
    request = parse(request_text)
    if request.role_id != role.id:
        raise GoliveError(
            f"refused: this request is for the role {request.role} ({request.role_id}), not "
            f"{role.role} ({role.id}); a signature approves only the role its request names"
        )
    if request.checklist != checklist.title:
        raise GoliveError(
            f"refused: this request is for the checklist {request.checklist!r}, not "
            f"{checklist.title!r}"
        )
    if trust.allowed_signers is None:
        raise GoliveError(
            "refused: there is no allowed-signers file to verify the signature against "
            "(profile signoff.allowed_signers, or --allowed-signers FILE)"
        )
    check, signed_bytes = None, b""
    for data in variants(
        request_text
    ):  # the approver may have saved the text from a chat with other line endings
        check = signing.check_signed(data, signature_text, trust.allowed_signers)
        signed_bytes = data
        if check.ok or not check.reason.startswith("the signature does not match"):
            break
    assert check is not None
    if not check.ok:
        raise GoliveError(f"refused: {check.reason}")
    principal = check.signer
    shown = check_name(name or principal, "--name")

    def build(state: State) -> list[Change]:
        decision = decide(checklist, state, actor.now(), trust)
        if decision.tampered:
            raise GoliveError(
                f"TAMPERED: {decision.integrity.problem} — an approval of a record that "
                "fails verification proves nothing"
            )
        head_seq = seq_of_head(state, request.chain_head)
        if head_seq is None:
            raise GoliveError(
                "refused: the request was written from another record (its chain head is not "
                "in this record's history)"
            )
        if decision.signature != request.state_digest:
            changed = changed_since(checklist, state, head_seq)
            shown_changes = ", ".join(changed[:5]) + (
                f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            )
            raise GoliveError(
                f"refused as stale: {principal} signed the state of "
                f"{request.requested_at:%H:%M} UTC, and it changed since "
                f"({shown_changes or 'items'}). Write a new request (golive approve "
                f"{role.id} --request FILE) and ask {principal} to sign it"
            )
        seq = (state.audit[-1].seq if state.audit else 0) + 1
        values = {
            "role": role.role,
            "name": shown,
            "principal": principal,
            "at": actor.now(),
            "signature": request.state_digest,
            "audit_seq": seq,
            "ssh_signature": signature_text,
            "chain_head": request.chain_head,
            "request": normalised(signed_bytes.decode()),
        }
        return [Change(f"approval:{role.id}", "approve", values, list(UNSET))]

    _, entries = store.transact(build, actor)
    return entries
