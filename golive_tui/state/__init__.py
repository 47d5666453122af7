"""The state subsystem: the record of a go-live (progress, evidence, approvals, audit chain).

Layers, each importing only those above it:

    schema    the document's pydantic models (schema_version, migrate)
    canon     deterministic JSON for hashing
    lazy      the audit chain read one entry at a time when asked (LazyAudit)
    verified  verification remembered between processes, by the digest of the text it covered
    sweeps    sweep entries: digests of a sweep's unchanged re-probes, and their check
    chain     the tamper-evident audit chain: changes, hashing, appending, replay
    chain_verify  its verification (hash links, replay), and the verdicts and verified prefixes
                  remembered
    codec     TOML text <-> State, with the caches of the unchanging parts
    archive   old history moved to hash-linked segment files, and their verification
    conflicts the rule that refuses a change made on a stale view
    lineage   a record's identity (lineage, created at, first entry) and the cache of the one last
              seen
    shared    files in a shared directory: no symlinks followed, owners and modes checked, the
              lock's holder
    storage   where the bytes live: LocalFile (lock, atomic replace, .bak); s3: S3Object
    status    what a store reports: SyncReport, StoreStatus
    replace   replacing the record on purpose: restore .bak, init-record
    store     StateStore: transactions over one storage
    journal   the offline journal of a shared document (queued changes, last known copy)
    offline   OfflineStore: a shared store that keeps working while S3 is unreachable

`open_store` is the only way callers (CLI, TUI, import, serve) get a store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..locations import DEFAULT_STATE, STATE_ENV, state_location  # noqa: F401 - the first frame uses them too
from .chain import Change
from .chain_verify import VerifyReport, verify
from .conflicts import ConflictError
from .lineage import RecordCache, default_cache_directory
from .schema import SCHEMA_VERSION, AuditEntry, ItemState, State
from .status import StoreStatus, SyncReport
from .storage import Storage
from .store import Build, StateStore

if TYPE_CHECKING:
    from ..actor import Actor
    from ..profile import Profile


class Store(Protocol):
    """What callers may use of a store, local or shared."""

    @property
    def location(self) -> str: ...
    @property
    def path(self) -> Path | None: ...
    @property
    def backup(self) -> Path | None: ...

    def read(self) -> State: ...
    def read_unchecked(self) -> State: ...
    def fingerprint(self) -> object: ...
    def transact(
        self, build: Build, actor: Actor, *, change_id: str | None = None
    ) -> tuple[State, list[AuditEntry]]: ...
    def status(self) -> StoreStatus: ...
    def sync(self) -> SyncReport: ...
    def resolve(self, keep: str) -> SyncReport: ...


def open_store(
    location: str | Path | None = None,
    profile: Profile | None = None,
    *,
    checklist: str = "",
    journal_dir: Path | None = None,
    storage: Storage | None = None,
    accept_tampered: str | None = None,
) -> Store:
    """The store for a location: a local file, or `s3://bucket/key` shared with an offline journal.

    An S3 location uses the profile's [aws] keys (profile, region, endpoint), else boto3's
    own conventions, as the AWS probes do. `storage` replaces the storage built from the
    location (tests that count or fail requests). `accept_tampered`: the reason to write on
    top of a record that fails verification (recorded); without it such writes are refused.
    """
    where = state_location(location)
    if where.startswith("s3://"):
        from .journal import Journal, default_directory
        from .offline import OfflineStore
        from .s3 import S3Object

        if storage is None:
            aws = profile.aws if profile is not None else None
            storage = S3Object(
                where,
                profile=aws.profile or None if aws else None,
                region=aws.region or None if aws else None,
                endpoint_url=aws.endpoint_url or None if aws else None,
            )
        journal = Journal(storage.name, journal_dir or default_directory())
        records = RecordCache(storage.name, journal.directory)
        inner = StateStore(
            storage,
            checklist,
            on_document=journal.remember,
            accept_tampered=accept_tampered,
            records=records,
        )
        return OfflineStore(inner, journal)
    from .storage import LocalFile

    mode = profile.state.file_mode if profile is not None else 0o600
    group = getattr(profile.state, "group", "") if profile is not None else ""
    storage = storage or LocalFile(Path(where), mode, group)
    records = RecordCache(storage.name, journal_dir or default_cache_directory())
    return StateStore(storage, checklist, accept_tampered=accept_tampered, records=records)


__all__ = [
    "SCHEMA_VERSION",
    "AuditEntry",
    "Build",
    "Change",
    "ConflictError",
    "ItemState",
    "State",
    "StateStore",
    "Store",
    "StoreStatus",
    "SyncReport",
    "VerifyReport",
    "open_store",
    "state_location",
    "verify",
]
