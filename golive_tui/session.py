"""A cockpit session without a screen: checklist, profile, store and actor, the state as last
read, warm probe clients, and probe results saved in batches.

The Textual app and `golive serve` hold one of these; it is also what the tests drive
without Textual. Every change still goes through `golive_tui.actions` (here: `write`,
`save_results`), so the store's guarantees — one locked, atomic transaction per save,
nothing lost between captains — are the same as on the CLI.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import actions
from .actor import Actor, Clock
from .engine import Engine, ItemResult
from .errors import GoliveError
from .model import Checklist
from .probes.base import ClientCache
from .profile import Profile, load_profile
from .signoff import Trust
from .state import State, Store, open_store, state_location

T = TypeVar("T")
READ_ONLY = "read-only: nothing can be changed in this session"

# The SDKs behind each family of probe kinds: imported once, off the first frame.
SDKS = {
    "k8s.": ("kubernetes.client", "kubernetes.config"),
    "aws.": ("boto3", "botocore.config"),
    "": ("httpx",),
}


class ReadOnlyError(GoliveError):
    """A change asked of a read-only session."""


@dataclass
class Session:
    """One captain's view of one record: what is shown, and the only way the UI changes it."""

    checklist: Checklist
    profile: Profile
    store: Store
    actor: Actor
    read_only: bool = False
    profile_path: Path | None = None
    """The profile file, re-read when it changes (then the warm clients are rebuilt)."""
    overrides: tuple[str, ...] = ()
    state: State = field(init=False)
    fingerprint: object = field(init=False)
    shared: bool = field(init=False)
    """The record lives remotely (S3, with an offline journal)."""
    store_summary: str | None = field(default=None, init=False)
    """The store's one line when something needs attention (offline, queued, conflicts)."""
    committed_seq: int | None = field(default=None, init=False)
    """With changes queued offline: the last committed audit entry; later ones have no number
    yet."""
    notices: list[str] = field(default_factory=list, init=False)
    """Things background workers want the captain to see once (a notification that could not be
    sent)."""
    captains: str = field(default="", init=False)
    """Who else has the record open, for the header (`2 captains: Kim (ubuntu@bastion key
    SHA256:…)`); presence.py."""
    _clients: ClientCache | None = field(default=None, init=False, repr=False)
    _profile_stamp: object = field(default=None, init=False, repr=False)
    _bad_fingerprint: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        status = self.store.status()
        self.shared, self.store_summary = status.kind != "local", status.summary
        self.state = self.store.read()
        self.committed_seq = getattr(self.store, "committed_seq", None)
        self.fingerprint = self.store.fingerprint()
        self._profile_stamp = self._stamp()

    # --- reading -------------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read the record if it changed (pushing queued offline changes first); True if it did.

        A document that does not parse raises GoliveError once; the last good state stays.
        """
        if self.shared:
            self.store.sync()  # push what was queued offline as soon as S3 answers again
        fingerprint = self.store.fingerprint()
        if fingerprint == self.fingerprint or fingerprint == self._bad_fingerprint:
            return False
        try:
            state = self.store.read()
        except GoliveError:
            self._bad_fingerprint = fingerprint  # told once, not on every poll
            raise
        self.state, self.fingerprint, self._bad_fingerprint = state, fingerprint, None
        self._summarise()
        return True

    def _refresh(self) -> None:
        self.state = self.store.read()
        self.fingerprint = self.store.fingerprint()
        self._summarise()

    def _summarise(self) -> None:
        # Only a shared store has anything to say, and asking it costs a request: once per change.
        if self.shared:
            self.store_summary = self.store.status().summary
            self.committed_seq = getattr(self.store, "committed_seq", None)

    # --- writing -------------------------------------------------------------------------
    def write(self, change: Callable[[], T]) -> T:
        """Run one action (a function calling `golive_tui.actions`), then re-read the record."""
        if self.read_only:
            raise ReadOnlyError(READ_ONLY)
        try:
            return change()
        finally:
            self._refresh()  # a refused change (conflict, rule) may still have seen a newer file

    def save_results(self, results: list[ItemResult]) -> None:
        """Probe results in one transaction (the batch `ResultBatch` collected)."""
        self.write(lambda: actions.record_results(self.store, results, actor=self.actor))

    @property
    def trust(self) -> Trust:
        """What approvals' signatures are checked against (checklist and profile [signoff])."""
        return Trust.of(self.checklist, self.profile)

    # --- probing -------------------------------------------------------------------------
    @property
    def clients(self) -> ClientCache:
        """The session's long-lived clients: a second sweep pays no import, model load or
        handshake."""
        if self._clients is None:
            self._clients = ClientCache()
        return self._clients

    def engine(self) -> Engine:
        return Engine(
            self.profile,
            clients=self.clients,
            clock=self.actor.clock,
            last_seconds=self.state.probe_seconds(),
        )

    def use_profile(self, profile: Profile) -> None:
        """Point the session at another profile: clients built for the old one are closed."""
        self.profile = profile
        self.close_clients()

    def reload_profile(self) -> bool:
        """Re-read the profile file if it changed; True when it did (clients rebuilt on next
        use)."""
        stamp = self._stamp()
        if self.profile_path is None or stamp == self._profile_stamp:
            return False
        self._profile_stamp = stamp
        self.use_profile(load_profile(self.profile_path, self.overrides))
        return True

    def _stamp(self) -> object:
        if self.profile_path is None:
            return None
        try:
            st = os.stat(self.profile_path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def warm_up(self) -> list[str]:
        """Import the SDKs this checklist's probes use (in a worker, after the first frame), then
        leave what is loaded to the garbage collector's permanent generation."""
        kinds = {spec.kind for item in self.checklist.items() for spec in item.probe}
        imported = []
        for prefix, modules in SDKS.items():
            if any(kind.startswith(prefix) for kind in kinds):
                for module in modules:
                    try:
                        importlib.import_module(module)
                    except ImportError:  # the probe will say so itself, as an error verdict
                        continue
                    imported.append(module)
        # Everything loaded so far (modules, SDKs, checklist, profile, the record) lives as
        # long as the cockpit: out of the collector's sight, so a full collection walks only
        # what came later. Measured over 480 watch sweeps: the worst gen-2 pass (it holds the
        # interpreter lock, so the event loop stops) went from 400 ms to 12 ms.
        gc.freeze()
        return imported

    def close_clients(self) -> None:
        clients, self._clients = self._clients, None
        if clients is not None:
            clients.close()


def open_session(
    *,
    checklist: str | None,
    profile: str | None,
    overrides: tuple[str, ...] = (),
    state: str | None = None,
    by: str | None = None,
    read_only: bool = False,
    clock: Clock | None = None,
) -> Session:
    """Load everything a cockpit shows, as the CLI does; GoliveError (exit 2) on bad input."""
    from .checklists import load_checklist
    from .profile import default_profile_path

    loaded = load_checklist(checklist)
    path = Path(profile) if profile else default_profile_path()
    target = load_profile(path, overrides)
    location = state_location(state)
    # The profile says how to reach a shared (s3://) record and the mode of a local one
    # (state.mode), as for the CLI.
    store = open_store(location, target, checklist=loaded.title)
    notices: list[str] = []
    if (
        target.notify.configured and not read_only
    ):  # the team's channel hears of this cockpit's changes
        from .notify import with_notifications

        store = with_notifications(
            store, target, loaded, Trust.of(loaded, target), on_failure=notices.append
        )
    session = Session(
        loaded,
        target,
        store,
        Actor.current(by, clock=clock),
        read_only=read_only,
        profile_path=path,
        overrides=overrides,
    )
    session.notices = notices
    return session


class ResultBatch:
    """Results arriving within `window` seconds of each other, saved in one transaction.

    `add` is called on the event loop as each result arrives; a flusher task waits until
    no result came for one window (or `longest` seconds passed since the first pending
    one, so a steady trickle is still saved), then saves the batch in a thread.
    """

    def __init__(
        self,
        save: Callable[[list[ItemResult]], object],
        *,
        window: float = 0.1,
        longest: float = 1.0,
        on_saved: Callable[[list[ItemResult]], object] | None = None,
        on_error: Callable[[list[ItemResult], GoliveError], object] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.save, self.window, self.longest = save, window, longest
        self.on_saved, self.on_error, self.sleep = on_saved, on_error, sleep
        self.pending: list[ItemResult] = []
        self._arrivals = 0
        self._task: asyncio.Task[None] | None = None

    def add(self, result: ItemResult) -> None:
        self.pending.append(result)
        self._arrivals += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self.pending:
            waited = 0.0
            while True:  # quiet for one window, or waited long enough
                seen = self._arrivals
                await self.sleep(self.window)
                waited += self.window
                if self._arrivals == seen or waited >= self.longest:
                    break
            batch, self.pending = self.pending, []
            try:
                await asyncio.to_thread(self.save, batch)
            except GoliveError as exc:
                if self.on_error is not None:
                    self.on_error(batch, exc)
                continue
            if self.on_saved is not None:
                self.on_saved(batch)

    async def drain(self) -> None:
        """Wait until every result handed in so far is saved (before quitting, in tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
