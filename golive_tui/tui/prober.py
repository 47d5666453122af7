"""Probing from the cockpit: sweeps that never block, paging probes only on request, watch mode.

A sweep (`R`, `P`) runs every probe that does not page a human in a background worker;
those that do are left "needs confirmation" and run only from `p` on that item, behind a
dialog whose default button is Cancel. Results are saved in batches (session.ResultBatch)
and shown as they land; the sweep line shows progress, then a summary with the sweep's
own wall time until the next key. Watch mode sweeps every N seconds and marks what
changed since the previous sweep; a regression is announced the moment it arrives.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..engine import Engine, ItemResult
from ..errors import GoliveError
from ..model import Item
from ..session import ResultBatch
from ..sweep import Change, Sweep, pages_a_human
from ..text import safe_line
from ..trends import Trend, trends
from ..vocab import Verdict
from .messages import ProbeFinished, ProbeRunEnded
from .modals.base import ConfirmModal

if TYPE_CHECKING:
    from .app import GoliveApp

PROBES_OFF = "read-only: probes record results, so they are off in this session"


def duration(seconds: float) -> str:
    return f"{seconds:g}s" if seconds < 60 or seconds % 60 else f"{seconds / 60:g}m"


class Prober:
    def __init__(self, app: GoliveApp) -> None:
        self.app = app
        self.running: set[str] = set()
        """Keys whose probes are in flight (their rows spin)."""
        self.engines: set[Engine] = set()
        self.sweep_run: Sweep | None = None
        """The latest sweep (running or done): its changes mark the rows until the next one."""
        self.summary_shown = False
        self.first_key_after_summary = False
        self.batch = ResultBatch(app.session.save_results, on_saved=self._saved, on_error=self._save_failed)
        self.watch_every: float | None = None
        self._watch_timer = None
        self.trends: dict[str, Trend] = {}
        self.trends_loading = False
        self.timer = time.monotonic
        """The clock of sweeps' wall times (tests pin it, so a summary's figure is known)."""

    # --- what the screens ask ------------------------------------------------------------------
    @property
    def held(self) -> set[str]:
        return set(self.sweep_run.held) if self.sweep_run is not None else set()

    @property
    def sweeping(self) -> bool:
        return self.sweep_run is not None and self.sweep_run.running

    def change(self, key: str) -> Change | None:
        return self.sweep_run.change(key) if self.sweep_run is not None else None

    def regressions(self) -> list[str]:
        return self.sweep_run.regressions() if self.sweep_run is not None else []

    def progress(self) -> str:
        sweep = self.sweep_run
        if sweep is not None and sweep.running:
            return f"{sweep.done}/{sweep.total} probed"
        return f"{len(self.running)} running"

    def watch_label(self) -> str:
        return f"⟳ watch {duration(self.watch_every)}" if self.watch_every else ""

    def line(self) -> tuple[str, str, str]:
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
        # No key hint here: the footer's `f Failure` is the key, and the counts need the width at 80 columns.
        return sweep.summary_line(), tone, ""

    def key_pressed(self) -> None:
        """Any key hides the summary; that first key still knows it was there (`f` = first failure)."""
        self.first_key_after_summary = self.summary_shown and not self.sweeping
        if self.first_key_after_summary:
            self.summary_shown = False
            self.app.refresh_chrome()

    def next_failure(self, current: Item | None) -> str | None:
        """The next item, in checklist order after `current`, whose verdict is fail/error or status failed.

        Right after a sweep (its summary still shown) it starts from the top: `f` is "first failure".
        """
        from ..decision import outcome

        session, now = self.app.session, self.app.now()
        items = list(session.checklist.items())
        failing = [i.key for i in items if (p := session.state.item(i.key).probe) is not None
                   and p.verdict in (Verdict.FAIL, Verdict.ERROR)
                   or outcome(i, session.state.item(i.key), now).state == "failed"]
        if not failing:
            return None
        if self.first_key_after_summary or current is None or current.key not in [i.key for i in items]:
            return failing[0]
        order = [i.key for i in items]
        after = order.index(current.key)
        return next((key for key in failing if order.index(key) > after), failing[0])

    # --- starting --------------------------------------------------------------------------
    def sweep(self, items: list[Item]) -> None:
        """Probe every item that does not page a human; those that do are held for `p`."""
        if not self.app.writable(PROBES_OFF):
            return
        if self.sweeping:
            self.app.notify(f"a sweep is running ({self.progress()}); esc cancels it", timeout=3)
            return
        sweep = Sweep.start(items, self.app.session.state, clock=self.timer)
        runnable = [i for i in items if i.key in sweep.keys and i.key not in self.running]
        if not runnable:
            what = "only probes that page a human here: p on the item runs one" if sweep.held else \
                "nothing to probe here (manual items)"
            self.app.notify(what, timeout=3)
            return
        self.sweep_run, self.summary_shown = sweep, False
        self._start(runnable, confirmed=False, sweep=sweep)

    def probe_one(self, item: Item) -> None:
        """`p`: this item alone; a probe that pages a human asks first, Cancel being the default."""
        if not self.app.writable(PROBES_OFF):
            return
        if not item.probe:
            self.app.notify("a manual item: attest it with d/x/n/b", timeout=3)
            return
        if item.key in self.running:
            self.app.notify("already running", timeout=2)
            return
        if not pages_a_human(item):
            self._start([item], confirmed=False, sweep=None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._start([item], confirmed=True, sweep=None)

        self.app.push_screen(ConfirmModal(
            f"{safe_line(item.title)}: this sends a real event that pages a human (on-call). Send it now?",
            "Send the page", danger=True), answer)

    def _start(self, items: list[Item], *, confirmed: bool, sweep: Sweep | None) -> None:
        self.running.update(i.key for i in items)
        self.app.refresh_screens()
        self.app.run_worker(self._probe(items, confirmed, sweep), group="probes", exit_on_error=False)

    async def _probe(self, items: list[Item], confirmed: bool, sweep: Sweep | None) -> None:
        engine = self.app.session.engine()
        self.engines.add(engine)
        try:
            await engine.run(items, confirmed=confirmed,
                             on_result=lambda result: self.app.post_message(ProbeFinished(result, sweep)))
        finally:
            self.engines.discard(engine)
            self.app.post_message(ProbeRunEnded([i.key for i in items], engine.cancel_event.is_set(), sweep))

    # --- results ---------------------------------------------------------------------------
    def arrived(self, result: ItemResult, sweep: Sweep | None) -> None:
        """A result, as soon as it is known: counted, compared, queued for the next batch save."""
        key = result.item.key
        change = sweep.arrived(key, result.result.verdict.value, result.result.summary,
                               result.result.evidence) if sweep is not None else None
        if change is not None and change.regression:
            self.app.notify(f"▼ regression: {safe_line(result.item.title)} went {change.before} → {change.after}",
                            severity="error", timeout=10)
        self.batch.add(result)
        self.app.refresh_chrome()

    def _saved(self, results: list[ItemResult]) -> None:
        keys = [r.item.key for r in results]
        self.running.difference_update(keys)
        self.app.refresh_screens_after_results(keys)

    def _save_failed(self, results: list[ItemResult], exc: GoliveError) -> None:
        self.running.difference_update(r.item.key for r in results)
        self.app.notify(f"could not save {len(results)} result(s): {safe_line(exc)}", severity="error", timeout=8)
        self.app.refresh_screens()

    async def ended(self, keys: list[str], cancelled: bool, sweep: Sweep | None) -> None:
        if sweep is not None:
            sweep.end(cancelled=cancelled)
            # The summary and the header must agree: the last results are saved before it shows.
            await self.batch.drain()
            self.summary_shown = True
        # Probes that never reported (cancelled) stop spinning now; those waiting in the batch, once saved.
        self.running.difference_update(set(keys) - {r.item.key for r in self.batch.pending})
        if cancelled and sweep is None:
            self.app.notify("probes cancelled", timeout=3)
        self.app.refresh_screens()
        if self.app.screen.__class__.__name__ == "PerformanceScreen":
            self.fetch_trends()

    async def drain(self) -> None:
        await self.batch.drain()

    def cancel(self) -> None:
        for engine in list(self.engines):
            engine.cancel()

    # --- watch mode ------------------------------------------------------------------------
    def start_watch(self, seconds: float) -> None:
        if not self.app.writable(PROBES_OFF):
            return
        self.stop_watch()
        self.watch_every = seconds
        self._watch_timer = self.app.set_interval(seconds, self._watch_tick)
        self.app.notify(f"watch: a sweep every {duration(seconds)}; ▼ marks what got worse since the one before",
                        timeout=4)
        self._watch_tick()

    def stop_watch(self) -> None:
        if self._watch_timer is not None:
            self._watch_timer.stop()
        self._watch_timer, self.watch_every = None, None

    def toggle_watch(self) -> None:
        if self.watch_every:
            self.stop_watch()
            self.app.notify("watch stopped", timeout=3)
            self.app.refresh_chrome()
        else:
            self.start_watch(self.app.watch or 30.0)

    def _watch_tick(self) -> None:
        if not self.sweeping:
            self.sweep(list(self.app.session.checklist.items()))

    # --- trends ----------------------------------------------------------------------------
    def fetch_trends(self) -> None:
        if self.trends_loading:
            return
        self.trends_loading = True
        self.app.run_worker(self._fetch_trends(), group="trends", exit_on_error=False)

    async def _fetch_trends(self) -> None:
        """Range queries on the app's own loop (async httpx): the screen keeps answering meanwhile."""
        session = self.app.session
        try:
            self.trends = await trends(session.profile, session.checklist.items(), session.clients, self.app.now())
        finally:
            self.trends_loading = False
        self.app.refresh_screens()
