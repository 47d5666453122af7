"""The other captains, in the cockpit: who else has the record open (header), and a toast when
another captain's change replaced words this captain wrote (after a conflict, or simply later).

The core does the work (presence.py, captains.py); this only schedules it: the heartbeat
off the event loop every few seconds, the audit chain read after each reload.
"""

from __future__ import annotations

import asyncio
import atexit
from typing import Any

from textual.app import App

from ..captains import replaced_since
from ..cockpit import Cockpit
from ..presence import Presence, area_of, captains
from ..session import Session

BEAT_EVERY = 10.0
CHECK_EVERY = 1.0


class CaptainsWatch:
    def __init__(self, app: App[Any], cockpit: Cockpit) -> None:
        self.app, self.cockpit = app, cockpit
        session = self.session
        mode = session.profile.state.file_mode
        area = None if session.read_only else area_of(session.store, mode)
        self.presence = Presence(area, session.actor.operator) if area is not None else None
        self.seen_seq = session.state.audit[-1].seq if session.state.audit else 0
        self.failed = False
        if self.presence is not None:
            atexit.register(self._leave)

    @property
    def session(self) -> Session:
        return self.cockpit.session

    async def beat(self) -> None:
        if self.presence is None:
            return
        session = self.session
        try:
            others = await asyncio.to_thread(self.presence.beat, self.cockpit.now())
        except Exception as exc:  # noqa: BLE001 - presence is a courtesy: a failing area never stops the cockpit
            if not self.failed:
                self.failed = True
                self.app.notify(
                    f"cannot tell who else has the record open: {exc}",
                    severity="warning",
                    timeout=6,
                )
            return
        people = captains(others, session.actor.operator)
        label = f"{len(people) + 1} captains: {', '.join(people)}" if people else ""
        if label != session.captains:
            session.captains = label
            self.cockpit.changed(())  # the header says it; every page redraws its chrome

    def check(self) -> None:
        notices = self.session.notices
        while notices:  # from the notifier's worker: each failure once
            self.app.notify(notices.pop(0), severity="warning", timeout=8)
        state = self.session.state
        head = state.audit[-1].seq if state.audit else 0
        if head == self.seen_seq:
            return
        for replaced in replaced_since(state, self.session.actor.operator, self.seen_seq):
            self.app.notify(
                replaced.message(),
                title="replaced by another captain",
                severity="warning",
                timeout=12,
            )
        self.seen_seq = head

    def _leave(self) -> None:
        try:
            if self.presence is not None:
                self.presence.leave()
        except Exception:  # noqa: BLE001, S110 - leaving is best effort: the heartbeat's TTL ends it anyway
            pass


def watch_captains(app: App[Any], cockpit: Cockpit) -> CaptainsWatch:
    watch = CaptainsWatch(app, cockpit)
    app.set_interval(CHECK_EVERY, watch.check)
    if watch.presence is not None:
        app.call_later(watch.beat)
        app.set_interval(BEAT_EVERY, watch.beat)
    return watch
