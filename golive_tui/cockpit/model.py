"""`Cockpit`: the one state every screen of the cockpit draws from, and the clock it is derived at.

It holds the session (record, checklist, profile), the probes in flight, the running or last
sweep with its changes and regressions, watch mode and the trends. Screens ask it for views
(`header`, `row`, `item`, `sweep_line`, `decision`); whoever changes something tells it
(`changed`), and it tells its subscribers (broadcast.py) — the TUI turns that into one
coalesced `CockpitChanged` message per page. `tick()` (once a second) re-derives what
moves with time alone: an expired waiver, a verdict past probe_valid_hours, an overdue
task, the LIVE clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ..decision import Decision, decide, outcome
from ..engine import Engine, ItemResult
from ..errors import GoliveError
from ..model import Item
from ..session import ResultBatch, Session
from ..sweep import Sweep, VerdictChange
from ..text import safe_line
from ..trends import Trend, trends
from ..vocab import Verdict
from .broadcast import Broadcaster
from .timeline import Timeline
from .views import HeaderView, ItemView, RowView, header_view, item_view, row_view


def duration(seconds: float) -> str:
    return f"{seconds:g}s" if seconds < 60 or seconds % 60 else f"{seconds / 60:g}m"


class Cockpit(Broadcaster):
    def __init__(
        self, session: Session, *, clock: Callable[[], datetime], monochrome: bool = False
    ) -> None:
        super().__init__()
        self.session = session
        self.clock = clock
        self.monochrome = monochrome
        self.timer: Callable[[], float] = time.monotonic
        """The clock of sweeps' wall times (tests pin it, so a summary's figure is known)."""
        self.running: set[str] = set()
        """Keys whose probes are in flight (their rows spin)."""
        self.engines: set[Engine] = set()
        self.sweep_run: Sweep | None = None
        """The latest sweep (running or done): its changes mark the rows until the next one."""
        self.sweeps_ended = 0
        self.summary_shown = False
        self.first_key_after_summary = False
        self.watch_every: float | None = None
        self.trends: dict[str, Trend] = {}
        self.trends_loading = False
        self.batch = ResultBatch(
            session.save_results, on_saved=self._saved, on_error=self._save_failed
        )
        self._timeline: tuple[object, Timeline] | None = None
        self._decision: tuple[object, Decision] | None = None
        self._ticked: tuple[object, int] = (self._record(), self.timeline().epoch(self.now()))
        """The record and the moments past it at the last tick: a tick that finds more past
        re-derives."""
        self.ticks = 0
        """Ticks run so far (a test waits for exactly one after moving the clock)."""
        self._header: HeaderView | None = None

    # --- the clock -----------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def _record(self) -> object:
        session = self.session
        return session.fingerprint, id(session.state), id(session.profile)

    def timeline(self) -> Timeline:
        record = self._record()
        if self._timeline is None or self._timeline[0] != record:
            self._timeline = (record, Timeline(self.session.checklist, self.session.state))
        return self._timeline[1]

    def tick(self) -> bool:
        """Once a second: re-derive what time alone changes; True when subscribers were told.

        Cheap when nothing moved: one bisect over the record's moments, and the header only
        while a LIVE clock runs.
        """
        self.ticks += 1
        record, now = self._record(), self.now()
        epoch = self.timeline().epoch(now)
        before, self._ticked = self._ticked, (record, epoch)
        if before[0] == record and before[1] != epoch:
            self.changed()  # a waiver ended, a verdict or attestation expired, a task fell due
            return True
        meta = self.session.state.meta
        if meta.golive_at is not None or meta.force_request is not None:
            header = self.header()
            if header != self._header:
                self._header = header
                self.changed(())
                return True
        return False

    # --- what the screens show -----------------------------------------------------------------
    def decision(self) -> Decision:
        """decide() once per record and per moment passed: every page of one redraw shares it."""
        key = (self._record(), self.timeline().epoch(self.now()))
        if self._decision is None or self._decision[0] != key:
            session = self.session
            self._decision = (
                key,
                decide(session.checklist, session.state, self.now(), session.trust),
            )
        return self._decision[1]

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    def integrity(self) -> str:
        """The first problem of a record that fails verification, or empty."""
        decision = self.decision()
        return decision.integrity.problem if decision.tampered else ""

    def header(self) -> HeaderView:
        return header_view(
            self.session,
            self.decision(),
            self.now(),
            regressed=len(self.regressions()),
            watch=f"⟳ watch {duration(self.watch_every)}" if self.watch_every else "",
        )

    def row(self, item: Item) -> RowView:
        return row_view(
            item,
            self.session.state,
            self.now(),
            running=item.key in self.running,
            held=item.key in self.held,
            change=self.change(item.key),
        )

    def item(self, item: Item) -> ItemView:
        return item_view(
            self.session,
            item,
            self.now(),
            running=item.key in self.running,
            held=item.key in self.held,
            change=self.change(item.key),
        )

    @property
    def held(self) -> set[str]:
        return set(self.sweep_run.held) if self.sweep_run is not None else set()

    @property
    def sweeping(self) -> bool:
        return self.sweep_run is not None and self.sweep_run.running

    def change(self, key: str) -> VerdictChange | None:
        return self.sweep_run.change(key) if self.sweep_run is not None else None

    def regressions(self) -> list[str]:
        return self.sweep_run.regressions() if self.sweep_run is not None else []

    def progress(self) -> str:
        sweep = self.sweep_run
        if sweep is not None and sweep.running:
            return f"{sweep.done}/{sweep.total} probed"
        return f"{len(self.running)} running"

    def sweep_line(self) -> tuple[str, str, str]:
        """(text, tone, hint) for the sweep line; empty when there is nothing to say."""
        sweep = self.sweep_run
        if sweep is None:
            return "", "", ""
        if sweep.running:
            return sweep.progress_line(), "strong", "esc cancels"
        if not self.summary_shown:
            return "", "", ""
        bad = sweep.failures(sweep.keys)
        tone = "bad" if sweep.regressions() else "warn" if bad else "ok"
        # No key hint here: the footer's `f Failure` is the key, and the counts need the width at 80
        # columns.
        return sweep.summary_line(), tone, ""

    def key_pressed(self) -> None:
        """Any key hides the summary; that first key still knows it was there (`f` = first
        failure)."""
        self.first_key_after_summary = self.summary_shown and not self.sweeping
        if self.first_key_after_summary:
            self.summary_shown = False
            self.changed(())

    def next_failure(self, current: Item | None) -> str | None:
        """The next item, in checklist order after `current`, whose verdict is fail/error or status
        failed.

        Right after a sweep (its summary still shown) it starts from the top: `f` is "first
        failure".
        """
        session, now = self.session, self.now()
        order = [i.key for i in session.checklist.items()]
        failing = [
            i.key
            for i in session.checklist.items()
            if (p := session.state.item(i.key).probe) is not None
            and p.verdict in (Verdict.FAIL, Verdict.ERROR)
            or outcome(i, session.state.item(i.key), now).state == "failed"
        ]
        if not failing:
            return None
        if self.first_key_after_summary or current is None or current.key not in order:
            return failing[0]
        after = order.index(current.key)
        return next((key for key in failing if order.index(key) > after), failing[0])

    # --- the record ----------------------------------------------------------------------------
    def write(self, change: Callable[[], object]) -> None:
        """One action through the session (in a worker thread); subscribers are told on the loop
        after."""
        self.session.write(change)

    def reload(self) -> bool:
        """Another captain's change or a new profile (in a worker thread); True when something
        changed."""
        changed = self.session.reload()
        if self.session.reload_profile():
            self.notice("profile changed: probe clients rebuilt for the new target", timeout=5)
            changed = True
        return changed

    # --- probes --------------------------------------------------------------------------------
    def start_sweep(self, items: list[Item]) -> list[Item]:
        """The items a new sweep probes (none: nothing to run); the sweep becomes the latest."""
        sweep = Sweep.start(items, self.session.state, clock=self.timer)
        runnable = [i for i in items if i.key in sweep.keys and i.key not in self.running]
        if runnable:
            self.sweep_run, self.summary_shown = sweep, False
        else:
            self.notice(
                "only probes that page a human here: p on the item runs one"
                if sweep.held
                else "nothing to probe here (manual items)"
            )
        return runnable

    def started(self, items: list[Item]) -> None:
        """Their rows spin from now on (before the worker is scheduled: a second `p` is refused at
        once)."""
        self.running.update(i.key for i in items)
        self.changed(i.key for i in items)

    async def probe(self, items: list[Item], *, confirmed: bool, sweep: Sweep | None) -> None:
        """Run the probes (a worker on the event loop, after `started`); each result is counted and
        saved as it lands."""
        engine = self.session.engine()
        self.engines.add(engine)
        try:
            await engine.run(
                items, confirmed=confirmed, on_result=lambda result: self.arrived(result, sweep)
            )
        finally:
            self.engines.discard(engine)
            await self.ended([i.key for i in items], engine.cancel_event.is_set(), sweep)

    def arrived(self, result: ItemResult, sweep: Sweep | None) -> None:
        """A result, as soon as it is known: counted, compared, queued for the next batch save."""
        change = (
            sweep.arrived(
                result.item.key,
                result.result.verdict.value,
                result.result.summary,
                result.result.evidence,
            )
            if sweep is not None
            else None
        )
        if change is not None and change.regression:
            self.notice(
                f"▼ regression: {safe_line(result.item.title)} went {change.before} → "
                f"{change.after}",
                severity="error",
                timeout=10,
            )
        self.batch.add(result)
        self.changed(())

    def _saved(self, results: list[ItemResult]) -> None:
        keys = [r.item.key for r in results]
        self.running.difference_update(keys)
        self.changed(keys)

    def _save_failed(self, results: list[ItemResult], exc: GoliveError) -> None:
        self.running.difference_update(r.item.key for r in results)
        self.notice(
            f"could not save {len(results)} result(s): {safe_line(exc)}",
            severity="error",
            timeout=8,
        )
        self.changed()

    async def ended(self, keys: list[str], cancelled: bool, sweep: Sweep | None) -> None:
        if sweep is not None:
            sweep.end(cancelled=cancelled)
            # The summary and the header must agree: the last results are saved before it shows.
            await self.batch.drain()
            self.summary_shown = True
            self.sweeps_ended += 1
        # Probes that never reported (cancelled) stop spinning now; those waiting in the batch, once
        # saved.
        self.running.difference_update(set(keys) - {r.item.key for r in self.batch.pending})
        if cancelled and sweep is None:
            self.notice("probes cancelled")
        self.changed()

    async def drain(self) -> None:
        await self.batch.drain()

    def cancel(self) -> None:
        for engine in list(self.engines):
            engine.cancel()

    def set_watch(self, seconds: float | None) -> None:
        self.watch_every = seconds
        self.changed(())

    async def fetch_trends(self) -> None:
        """Range queries on the event loop (async httpx): the screen keeps answering meanwhile."""
        if self.trends_loading:
            return
        self.trends_loading = True
        session = self.session
        try:
            self.trends = await trends(
                session.profile, session.checklist.items(), session.clients, self.now()
            )
        finally:
            self.trends_loading = False
        self.changed()
