"""The state file's schema: per-item progress, approvals, go-live moment, audit chain.

Validated with pydantic on every read so a hand-edited file with a wrong type is refused
with its key path instead of half-loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..vocab import Status, VerdictName

SCHEMA_VERSION = 2
"""2: sweep entries (`vouched`, `sweeps`) and archived history (`archive`). A file of version 1
has neither and its chain is a valid chain of version 2: it migrates by being read (migrate())."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProbeRecord(_Record):
    verdict: VerdictName
    summary: str = ""
    evidence: str = ""
    value: float | None = None
    unit: str = ""
    checked_at: datetime
    duration_ms: float = 0.0


class Waiver(_Record):
    reason: str
    until: datetime
    by: str
    at: datetime


class Override(_Record):
    """A person marked the item done (or n/a) over a failing or erroring probe: the why, kept
    visible."""

    reason: str
    by: str
    at: datetime
    verdict: VerdictName
    """The probe verdict the person overrode."""
    summary: str = ""


class ItemState(_Record):
    status: Status = "pending"
    by: str = ""
    at: datetime | None = None
    note: str = ""
    evidence: str = ""
    """Evidence text, a link, or a file path (then `evidence_sha256` is its digest)."""
    evidence_sha256: str = ""
    expires_at: datetime | None = None
    """A manual attestation stops counting after this moment (item.attest_valid_days)."""
    probe: ProbeRecord | None = None
    waiver: Waiver | None = None
    override: Override | None = None
    """Set when a person marked done/n/a over a fail/error verdict; later probe runs keep it (and
    show both)."""


class ApprovalRecord(_Record):
    role: str
    name: str
    at: datetime
    signature: str
    """SHA-256 of the canonical state of every item when approved."""
    audit_seq: int
    """Audit sequence number of the approval, to list what changed since."""
    principal: str = ""
    """The approver's identity in the allowed-signers file (an email or login); empty in old
    files."""
    proxy: bool = False
    """Recorded by an operator who is not the approver (a verbal yes written down on the call)."""
    evidence: str = ""
    """For a proxy approval: where the approver said yes (a link, "Slack #cutover 19:02")."""
    ssh_signature: str = ""
    """The approver's OpenSSH signature over role, principal, time, state digest and chain head."""
    chain_head: str = ""
    """The audit chain's head hash when the approval was made (part of the signed message)."""
    revoked_at: datetime | None = None
    revoked_by: str = ""
    revoke_reason: str = ""
    request: str = ""
    """A review request the approver signed with plain `ssh-keygen -Y sign` (the exact text;
    `ssh_signature` is over it)."""
    proxy_confirmed_by: str = ""
    """For a proxy approval under a checklist that asks for it: the second operator who confirmed
    it."""


class AuditEntry(_Record):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    at: datetime
    by: str
    """The name the change was made under (typed, or the default)."""
    operator: dict[str, str] = Field(default_factory=dict)
    """The session that made it: user, host, ssh_client, sudo_user (actor.Operator); empty in old
    files."""
    action: str
    target: str
    """`item:<id>`, `approval:<role>`, `meta`, or `record` (about the record itself: an accepted
    tampering)."""
    values: dict[str, Any] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list)
    prev: str
    hash: str
    change_id: str = ""
    """The id of the transaction that wrote it (random, per change): a retried or replayed write
    carrying an id already in the chain is a no-op (state/store.py); empty in old files."""


class ForceRequest(_Record):
    """A go-live forced on NO-GO waits for a second operator's confirmation."""

    reason: str
    by: str
    at: datetime
    operator: dict[str, str] = Field(default_factory=dict)


class Meta(_Record):
    golive_at: datetime | None = None
    golive_by: str = ""
    golive_forced_reason: str = ""
    force_request: ForceRequest | None = None
    golive_confirmed_by: str = ""
    """Who confirmed a forced go-live (a second operator), as name and session."""


class Segment(_Record):
    """Old history moved out of the state file (`golive audit archive`), hash-linked to what
    stays."""

    file: str
    """The segment file's name, next to the state file."""
    first: int
    last: int
    """Sequence numbers of its first and last entries."""
    head: str
    """The hash of its last entry: the first entry left in the state file links to it."""
    sha256: str
    """SHA-256 of the segment file's bytes (an edited segment is caught before it is parsed)."""
    sealed_by: int
    """The `archive` entry (in the state file) that commits to this segment and to `base`."""


class State(_Record):
    schema_version: int = SCHEMA_VERSION
    checklist: str = ""
    lineage: str = ""
    """The record's identity, set when it is created (state/lineage.py); filled for old files from
    their first entry."""
    created_at: datetime | None = None
    first_entry: str = ""
    """The hash of audit entry #1: with `lineage`, what a local cache expects to find again."""
    meta: Meta = Field(default_factory=Meta)
    items: dict[str, ItemState] = Field(default_factory=dict)
    approvals: dict[str, ApprovalRecord] = Field(default_factory=dict)
    vouched: dict[str, str] = Field(default_factory=dict)
    """Items whose latest result a sweep entry vouches for instead of an item entry: item -> sweep
    root."""
    sweeps: dict[str, dict[str, str]] = Field(default_factory=dict)
    """For each root in `vouched`: the per-item digests it is the hash of (chain.sweep_root)."""
    archive: list[Segment] = Field(default_factory=list)
    """Archived history, oldest first; `base` is the state replayed up to the last archived
    entry."""
    base: dict[str, Any] = Field(default_factory=dict)
    audit: list[AuditEntry] = Field(default_factory=list)

    def item(self, key: str) -> ItemState:
        """The item's state (a fresh pending one if never touched)."""
        return self.items.get(key) or ItemState()

    def probe_seconds(self) -> dict[str, float]:
        """Each probed item's time in its last recorded probe run (the engine starts the slowest
        first)."""
        return {k: i.probe.duration_ms / 1000 for k, i in self.items.items() if i.probe}

    def copy_containers(self) -> State:
        """A copy that shares the records but not the containers.

        Changes replace ItemState/ApprovalRecord/Meta objects and append audit entries; they
        never mutate them in place, so copying the containers isolates callers from each other.
        """
        audit = self.audit.copy()  # a lazily parsed chain (codec.LazyAudit) copies without parsing
        return self.model_copy(
            update={
                "items": dict(self.items),
                "approvals": dict(self.approvals),
                "audit": audit,
                "vouched": dict(self.vouched),
                "sweeps": dict(self.sweeps),
            }
        )


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """A document of an older schema_version as the current one (the text is rewritten on the next
    write).

    1 -> 2: nothing to transform; version 1 has no sweep entries and no archive, and every
    entry hash stays what it was, so its history verifies unchanged.
    """
    version = raw.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version < SCHEMA_VERSION:
        raw = {**raw, "schema_version": SCHEMA_VERSION}
    return raw
