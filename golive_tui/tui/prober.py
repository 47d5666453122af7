"""Probing from the cockpit: what needs a dialog or a timer; the probes' state is the Cockpit's.

A sweep (`R`, `P`) runs every probe that does not page a human in a background worker
(`Cockpit.probe`, which counts and saves each result as it lands and tells the screens);
those that do are left "needs confirmation" and run only from `p` on that item, behind a
dialog whose default button is Cancel. Watch mode sweeps every N seconds.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.timer import Timer

from ..cockpit import Cockpit
from ..cockpit.model import duration
from ..model import Item
from ..sweep import Sweep, pages_a_human
from ..text import safe_line
from .modals.base import ConfirmModal

PROBES_OFF = "read-only: probes record results, so they are off in this session"


class Prober:
    def __init__(self, app: App[Any], cockpit: Cockpit, *, watch_default: float | None) -> None:
        self.app, self.cockpit = app, cockpit
        self.watch_default = watch_default or 30.0
        self._watch_timer: Timer | None = None

    def _allowed(self) -> bool:
        if self.cockpit.read_only:
            self.app.notify(PROBES_OFF, severity="warning")
        return not self.cockpit.read_only

    def sweep(self, items: list[Item]) -> None:
        """Probe every item that does not page a human; those that do are held for `p`."""
        if not self._allowed():
            return
        if self.cockpit.sweeping:
            self.app.notify(
                f"a sweep is running ({self.cockpit.progress()}); esc cancels it", timeout=3
            )
            return
        runnable = self.cockpit.start_sweep(items)
        if runnable:
            self._start(runnable, confirmed=False, sweep=self.cockpit.sweep_run)

    def probe_one(self, item: Item) -> None:
        """`p`: this item alone; a probe that pages a human asks first, Cancel being the default."""
        if not self._allowed():
            return
        if not item.probe:
            self.app.notify("a manual item: attest it with d/x/n/b", timeout=3)
            return
        if item.key in self.cockpit.running:
            self.app.notify("already running", timeout=2)
            return
        if not pages_a_human(item):
            self._start([item], confirmed=False, sweep=None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._start([item], confirmed=True, sweep=None)

        self.app.push_screen(
            ConfirmModal(
                f"{safe_line(item.title)}: this sends a real event that pages a human "
                "(on-call). Send it now?",
                "Send the page",
                danger=True,
            ),
            answer,
        )

    def _start(self, items: list[Item], *, confirmed: bool, sweep: Sweep | None) -> None:
        self.cockpit.started(items)
        self.app.run_worker(
            self.cockpit.probe(items, confirmed=confirmed, sweep=sweep),
            group="probes",
            exit_on_error=False,
        )

    # --- watch mode ------------------------------------------------------------------------
    def start_watch(self, seconds: float) -> None:
        if not self._allowed():
            return
        self.stop_watch()
        self._watch_timer = self.app.set_interval(seconds, self._watch_tick)
        self.cockpit.set_watch(seconds)
        self.app.notify(
            f"watch: a sweep every {duration(seconds)}; ▼ marks what got worse since the one "
            "before",
            timeout=4,
        )
        self._watch_tick()

    def stop_watch(self) -> None:
        if self._watch_timer is not None:
            self._watch_timer.stop()
        self._watch_timer = None
        if self.cockpit.watch_every is not None:
            self.cockpit.set_watch(None)

    def toggle_watch(self) -> None:
        if self.cockpit.watch_every:
            self.stop_watch()
            self.app.notify("watch stopped", timeout=3)
        else:
            self.start_watch(self.watch_default)

    def _watch_tick(self) -> None:
        if not self.cockpit.sweeping:
            self.sweep(list(self.cockpit.session.checklist.items()))

    def fetch_trends(self) -> None:
        if not self.cockpit.trends_loading:
            self.app.run_worker(self.cockpit.fetch_trends(), group="trends", exit_on_error=False)
