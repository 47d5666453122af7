"""Who really approved: signatures, proxies and separation of duties, judged from the record.

An approval is *signed* when its OpenSSH signature verifies against the allowed-signers
file for the approver's principal, over a message that still matches the record (the
state digest and the chain head it claims); *invalid* when it carries a signature that
does not; *proxy* when the operator who recorded it is not the approver (a verbal yes
written down on the call, with its evidence); *unsigned* otherwise. `verify_signatures`
checks every signed approval in the chain's history for `golive audit verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .actor import Operator
from .state.chain import GENESIS
from .state.schema import ApprovalRecord, AuditEntry, State

if TYPE_CHECKING:
    from .model import Checklist
    from .profile import Profile


@dataclass(frozen=True)
class Trust:
    """What signatures are checked against, and whether only signed approvals count."""

    allowed_signers: Path | None = None
    require_signatures: bool = False

    @classmethod
    def of(
        cls,
        checklist: Checklist,
        profile: Profile | None = None,
        allowed_signers: str | Path | None = None,
    ) -> Trust:
        configured = allowed_signers or (
            profile.signoff.allowed_signers if profile is not None else ""
        )
        path = Path(configured).expanduser() if configured else None
        required = checklist.signoff.require_signatures or bool(
            profile is not None and profile.signoff.require_signatures
        )
        return cls(path, required)


@dataclass(frozen=True)
class Signing:
    label: str
    """signed, invalid, proxy, unsigned, or `signed (unverified)` when no allowed-signers file is
    given."""
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.label == "signed"


def principal_of(record: ApprovalRecord) -> str:
    return record.principal or record.name


def entry_of(state: State, record: ApprovalRecord) -> AuditEntry | None:
    """The audit entry that recorded the approval (by its sequence number)."""
    from .state.chain import entry_at

    entry = entry_at(
        state, record.audit_seq
    )  # by position after archived history (state/archive.py)
    return (
        entry
        if entry is not None and entry.seq == record.audit_seq and entry.action == "approve"
        else None
    )


def recorded_by(state: State, record: ApprovalRecord) -> Operator | None:
    entry = entry_of(state, record)
    return Operator.from_record(entry.operator) if entry is not None else None


def chain_head_before(state: State, seq: int) -> str:
    """The head of the chain just before entry `seq` (what an approval at `seq` signs)."""
    from .state.chain import head_before

    return head_before(state, seq) if seq >= 1 else GENESIS


def seq_of_head(state: State, head: str) -> int | None:
    """The audit seq whose hash is `head` (0 for the empty chain's genesis); None when it is not in
    this history."""
    if head == GENESIS:
        return 0
    return next((entry.seq for entry in state.audit if entry.hash == head), None)


def check_request_record(
    role_id: str, record: ApprovalRecord, state: State, trust: Trust, digest_then: str | None = None
) -> Signing:
    """A review request signed with plain ssh-keygen: the signature covers the stored request text,
    and the request must name this role, this digest and a chain head from before the approval."""
    from . import review, signing
    from .errors import GoliveError

    try:
        request = review.parse(record.request)
    except GoliveError as exc:
        return Signing("invalid", f"the stored request is not readable: {exc}")
    if (
        request.role_id != role_id
        or request.state_digest != record.signature
        or request.chain_head != record.chain_head
    ):
        return Signing(
            "invalid", "the stored request does not name this role, state digest and chain head"
        )
    head_seq = seq_of_head(state, record.chain_head)
    refused = _before_verifying(
        record, head_seq is not None and head_seq < record.audit_seq, trust, digest_then
    )
    if refused is not None:
        return refused
    # _before_verifying answered for a trust without an allowed-signers file
    allowed_signers = cast(Path, trust.allowed_signers)
    for data in review.variants(
        record.request
    ):  # stored normalised; signed as the approver's file ended its lines
        check = signing.check_signed(data, record.ssh_signature, allowed_signers)
        if check.ok or not check.reason.startswith("the signature does not match"):
            break
    if not check.ok:
        return Signing("invalid", check.reason)
    if check.signer != principal_of(record):
        return Signing(
            "invalid",
            f"principal {check.signer} signed it, not the approver {principal_of(record)}",
        )
    return Signing("signed", principal_of(record))


def _before_verifying(
    record: ApprovalRecord, head_ok: bool, trust: Trust, digest_then: str | None
) -> Signing | None:
    """What a signed approval is before its signature is checked: invalid when the history it names
    was rewritten or the digest it signed is not the record's, unverified without
    allowed-signers."""
    if not head_ok:
        return Signing(
            "invalid",
            f"chain head does not match: history before #{record.audit_seq} was rewritten",
        )
    if digest_then is not None and digest_then != record.signature:
        return Signing(
            "invalid",
            f"the signed state digest does not match the record before #{record.audit_seq}",
        )
    if trust.allowed_signers is None:
        return Signing(
            "signed (unverified)", "no allowed-signers file (profile signoff.allowed_signers)"
        )
    return None


def check_record(
    role_id: str, record: ApprovalRecord, state: State, trust: Trust, digest_then: str | None = None
) -> Signing:
    """How one approval is signed; `digest_then` (the state digest replayed to just before it) is
    checked when given."""
    if record.ssh_signature and record.request:
        return check_request_record(role_id, record, state, trust, digest_then)
    if record.ssh_signature:
        from . import signing

        head_ok = record.chain_head == chain_head_before(state, record.audit_seq)
        refused = _before_verifying(record, head_ok, trust, digest_then)
        if refused is not None:
            return refused
        message = signing.approval_message(
            role=role_id,
            name=record.name,
            principal=principal_of(record),
            at=record.at,
            state_digest=record.signature,
            chain_head=record.chain_head,
        )
        # _before_verifying answered for a trust without an allowed-signers file
        allowed_signers = cast(Path, trust.allowed_signers)
        check = signing.verify(message, record.ssh_signature, principal_of(record), allowed_signers)
        return (
            Signing("signed", principal_of(record))
            if check.ok
            else Signing("invalid", check.reason)
        )
    if record.proxy:
        return Signing("proxy", record.evidence)
    return Signing("unsigned")


def is_own(principal: str, operator: Operator) -> bool:
    """Whether an approver's principal is the operator at the keyboard (their login, or
    login@host)."""
    wanted = principal.strip().lower()
    return wanted in {
        operator.user.lower(),
        f"{operator.user}@{operator.host}".lower(),
        (operator.sudo_user or "").lower(),
    } - {""}


def verify_signatures(
    checklist: Checklist, state: State, trust: Trust
) -> tuple[int, str, int | None]:
    """(signed approvals checked, first problem or "", its audit seq) over the chain's whole
    history."""
    from .digest import signature as state_digest
    from .state.chain import Change, apply_change, origin
    from .state.lazy import LazyAudit

    if (
        isinstance(state.audit, LazyAudit)
        and not state.audit.added
        and not state.audit.mentions("ssh_signature")
    ):
        return (
            0,
            "",
            None,
        )  # no signed approval anywhere in the history's text: nothing to replay for

    replay = origin(state)[
        2
    ]  # the state before the first entry in the file (after archived history)
    checked = 0
    for entry in state.audit:
        if entry.action == "approve" and entry.values.get("ssh_signature"):
            record = ApprovalRecord.model_validate({k: v for k, v in entry.values.items()})
            role_id = entry.target.partition(":")[2]
            result = check_record(role_id, record, state, trust, state_digest(checklist, replay))
            checked += 1
            if (
                not result.verified and result.label != "signed (unverified)"
            ):  # no allowed signers: head and digest still checked
                reason = result.detail or result.label
                return (
                    checked,
                    f"approval #{entry.seq} ({role_id}, {principal_of(record)}): {reason}",
                    entry.seq,
                )
        apply_change(
            replay, Change(entry.target, entry.action, dict(entry.values), list(entry.unset))
        )
    return checked, "", None
