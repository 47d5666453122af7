"""Wiring: a notifier from the profile, and a store that tells it about every change it writes."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import GoliveError
from .channels import open_channel
from .events import Event, changes
from .notifier import Notifier

if TYPE_CHECKING:
    from ..actor import Actor
    from ..model import Checklist
    from ..profile import Profile
    from ..signoff import Trust
    from ..state import State, Store
    from ..state.schema import AuditEntry


def notifier_for(
    profile: Profile,
    checklist: Checklist,
    *,
    on_failure: Callable[[str], None] | None = None,
    close_at_exit: bool = True,
) -> Notifier | None:
    """The profile's notifier, or None when [notify] names no channel (nothing is ever sent then).

    A channel whose secret cannot be read turns notifications off with one message, never
    the command it was meant to report on."""
    settings = profile.notify
    if not settings.configured:
        return None
    try:
        channels = [
            open_channel(kind, name)
            for kind, name in (
                ("slack", settings.slack_webhook_secret),
                ("json", settings.webhook_secret),
            )
            if name
        ]
    except GoliveError as exc:
        if on_failure is not None:
            on_failure(f"notifications off: {exc}")
        return None
    notifier = Notifier(
        channels,
        {"checklist": checklist.title, "target": profile.target.name},
        frozenset(settings.events),
        settings.min_interval,
        settings.per_minute,
        settings.timeout,
        profile.http.ca_bundle,
        on_failure,
    )
    if close_at_exit:
        atexit.register(notifier.close)  # a command's last messages go out, within the deadline
    return notifier


def change_events(
    checklist: Checklist, after: State, first_seq: int, now: datetime, trust: Trust
) -> list[Event]:
    """What one transaction (its entries start at `first_seq`) changed, as events; runs on the
    notifier's worker."""
    from ..decision import decide
    from ..state.chain import state_at

    before = state_at(after, first_seq - 1)
    before.audit = [
        e for e in after.audit if e.seq < first_seq
    ]  # the chain as it was (by seq: it may be archived)
    return changes(
        checklist,
        before,
        after,
        decide(checklist, before, now, trust),
        decide(checklist, after, now, trust),
        now,
    )


class NotifyingStore:
    """A store whose writes are reported to a notifier (after they are saved, off the caller's
    path)."""

    def __init__(
        self, inner: Store, notifier: Notifier, checklist: Checklist, trust: Trust
    ) -> None:
        self.inner, self.notifier, self.checklist, self.trust = inner, notifier, checklist, trust

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"NotifyingStore({self.inner!r})"

    def transact(self, build: Any, actor: Actor) -> tuple[State, list[AuditEntry]]:
        state, entries = self.inner.transact(build, actor)
        if entries:
            after, first, now = state.copy_containers(), entries[0].seq, actor.now()
            self.notifier.submit_change(
                lambda: change_events(self.checklist, after, first, now, self.trust)
            )
        return state, entries


def with_notifications(
    store: Store,
    profile: Profile,
    checklist: Checklist,
    trust: Trust,
    *,
    on_failure: Callable[[str], None] | None = None,
    close_at_exit: bool = True,
) -> Store:
    """`store` itself when nothing is configured, else a NotifyingStore around it."""
    notifier = notifier_for(profile, checklist, on_failure=on_failure, close_at_exit=close_at_exit)
    # NotifyingStore is a Store through __getattr__, which the Protocol check does not see; its
    # transact takes no change_id, which only an OfflineStore passes, to the store it wraps
    # (made inside open_store, never a NotifyingStore)
    return store if notifier is None else NotifyingStore(store, notifier, checklist, trust)  # type: ignore[return-value]


def notifier_of(store: Any) -> Notifier | None:
    """The notifier behind a store (None when notifications are off)."""
    return store.notifier if isinstance(store, NotifyingStore) else None
