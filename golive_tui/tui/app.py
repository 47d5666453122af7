"""The golive cockpit app: wires the domain core (actions, decision, engine, store) to screens.

The app holds no business rule: every change goes through `golive_tui.actions`, every verdict
and go/no-go through `golive_tui.decision`, every probe through `golive_tui.engine.Engine`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.filter import Monochrome

from .. import actions
from ..actor import Actor
from ..decision import decide
from ..engine import Engine, ItemResult
from ..errors import GoliveError
from ..model import Checklist, Item
from ..profile import Profile
from ..state import State, Store
from .commands import GoliveCommands
from .main_screen import MainScreen
from .messages import ProbeFinished, ProbeRunEnded
from .modals import ApproveModal, ConfirmModal, GoLiveModal, NoteModal, RevokeModal, WaiveModal
from .screens import AuditScreen, HelpScreen, PerformanceScreen, SignoffScreen

READ_ONLY = "read-only: nothing can be changed in this session"


class GoliveApp(App):
    CSS_PATH = Path(__file__).parent / "golive.tcss"
    TITLE = "golive"
    COMMANDS = App.COMMANDS | {GoliveCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("1,f1", "show_main", "Main", show=False),
        Binding("2,f2", "show_performance", "Perf"),
        Binding("3,f3", "show_signoff", "Sign-off"),
        Binding("4,f4", "show_audit", "Audit", show=False),
        Binding("R", "probe_all", "Probe all", show=False),
        # Naming command_palette here replaces Textual's own ctrl+p binding, so both keys are listed.
        Binding("colon,ctrl+p", "command_palette", "Palette", show=False),
        Binding("G", "go_live", "Go-live", show=False),
    ]

    def __init__(self, checklist: Checklist, profile: Profile, store: Store, *, read_only: bool = False,
                 monochrome: bool = False, clock: Callable[[], datetime] | None = None, by: str | None = None) -> None:
        super().__init__()
        self.checklist, self.profile, self.store = checklist, profile, store
        # Textual already greys everything out when NO_COLOR is set (self.no_color); the flag does the same.
        self.read_only, self.monochrome = read_only, monochrome or self.no_color
        self.clock = clock or (lambda: datetime.now(UTC))
        self.actor = Actor.current(by, clock=self.clock)
        """Who acts in this session: every record carries its name, operator and time."""
        self.state: State = store.read()
        self.fingerprint = store.fingerprint()
        self.running: set[str] = set()
        """Keys of items whose probes are in flight (their rows show a spinner)."""
        self.engines: set[Engine] = set()
        if monochrome and not self.no_color:
            self._filters.append(Monochrome())

    def now(self) -> datetime:
        return self.clock()

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.poll_state)
        # 4 updates a second at most, and only while probes run: no flood on a slow SSH link.
        self.set_interval(0.25, self.tick)

    # --- state -------------------------------------------------------------------------------
    async def poll_state(self) -> None:
        """Live file: another captain's change shows up within a second, nothing local is lost."""
        fingerprint = self.fingerprint
        try:
            if getattr(self.store, "offline", False):
                # Shared state on S3: push the local journal as soon as S3 answers again.
                await asyncio.to_thread(self.store.sync)
            fingerprint = await asyncio.to_thread(self.store.fingerprint)
            if fingerprint == self.fingerprint:
                return
            self.state = await asyncio.to_thread(self.store.read)
            self.fingerprint = fingerprint
        except GoliveError as exc:
            # Remember the bad version so the error is told once, not every second.
            self.fingerprint = fingerprint
            self.notify(f"state file unreadable, showing the last good view: {exc}", severity="error", timeout=8)
            return
        self.refresh_screens()

    def refresh_screens(self) -> None:
        """Redraw every screen of the stack; modals keep their fields (they have no refresh_view)."""
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_view", None)
            if refresh is not None:
                refresh()

    def tick(self) -> None:
        if self.running and isinstance(self.screen, MainScreen):
            self.screen.tick_spinner()

    def writable(self, what: str = READ_ONLY) -> bool:
        if self.read_only:
            self.notify(what, severity="warning")
        return not self.read_only

    async def write(self, fn: Callable[[], object], success: str | None = None) -> bool:
        """Run one state change in a thread, then reload; errors are notifications, never crashes."""
        if not self.writable():
            return False
        try:
            await asyncio.to_thread(fn)
            self.state = await asyncio.to_thread(self.store.read)
            self.fingerprint = await asyncio.to_thread(self.store.fingerprint)
        except GoliveError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        if success:
            self.notify(success, timeout=3)
        self.refresh_screens()
        return True

    def _save(self, fn: Callable[[], object], success: str | None = None) -> None:
        self.run_worker(self.write(fn, success), group="write")

    # --- recording ---------------------------------------------------------------------------
    def mark(self, item: Item, status: str) -> None:
        self._save(lambda: actions.mark(self.store, item, status, actor=self.actor))

    def cycle(self, item: Item) -> None:
        self._save(lambda: actions.cycle_status(self.store, item, actor=self.actor))

    def edit_note(self, item: Item) -> None:
        if not self.writable():
            return
        istate = self.state.item(item.key)

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            note, evidence = result
            # Only what the user changed is written, so a concurrent edit of the other field survives.
            self._save(lambda: actions.annotate(
                self.store, item, note=note if note != istate.note else None,
                evidence=evidence if evidence != istate.evidence else None, actor=self.actor), "note saved")

        self.push_screen(NoteModal(item.title, istate.note, istate.evidence), done)

    def waive(self, item: Item) -> None:
        if not self.writable():
            return

        def done(result: tuple[str, datetime] | None) -> None:
            if result is not None:
                reason, until = result
                self._save(lambda: actions.waive(self.store, item, reason=reason, until=until, actor=self.actor),
                           f"waived until {until:%Y-%m-%d}")

        self.push_screen(WaiveModal(item.title), done)

    def action_approve(self, role_id: str = "") -> None:
        if not self.writable():
            return
        decision = decide(self.checklist, self.state, self.now())
        if not role_id:  # first role still to (re)sign
            role_id = next((v.role_id for v in decision.approvals if v.state != "fresh"), "")
        roles = [(r.id, r.role) for r in self.checklist.approval]
        if not roles:
            self.notify("this checklist names no approval roles", severity="warning")
            return

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                role, name = result
                self._save(lambda: actions.approve(self.store, self.checklist, role, name=name, actor=self.actor),
                           f"approved as {role}")

        self.push_screen(ApproveModal(roles, decision.signature, self.actor.name.split("@")[0], role_id), done)

    def action_revoke(self, role_id: str = "") -> None:
        if not self.writable():
            return
        recorded = [(r.id, r.role) for r in self.checklist.approval
                    if r.id in self.state.approvals and self.state.approvals[r.id].revoked_at is None]
        if not recorded:
            self.notify("no approval to revoke", timeout=3)
            return

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                role, reason = result
                self._save(lambda: actions.revoke(self.store, self.checklist, role, reason=reason, actor=self.actor),
                           f"approval {role} revoked")

        self.push_screen(RevokeModal(recorded, role_id), done)

    def action_go_live(self) -> None:
        if not self.writable():
            return
        if self.state.meta.golive_at is not None:
            self.notify(f"go-live already recorded at {self.state.meta.golive_at:%Y-%m-%d %H:%M} UTC", timeout=4)
            return
        decision = decide(self.checklist, self.state, self.now())

        def done(reason: str | None) -> None:
            if reason is not None:
                self._save(lambda: actions.go_live(self.store, self.checklist, force_reason=reason, actor=self.actor),
                           "go-live recorded")

        self.push_screen(GoLiveModal(decision.go, decision.reasons), done)

    # --- probes ------------------------------------------------------------------------------
    def run_probes(self, items: list[Item]) -> None:
        if not self.writable("read-only: probes record results, so they are off in this session"):
            return
        items = [i for i in items if i.probe and i.key not in self.running]
        if not items:
            self.notify("nothing to probe here (manual items, or already running)", timeout=3)
            return
        paging = [i for i in items if any(spec.confirm for spec in i.probe)]
        safe = [i for i in items if i not in paging]
        if safe:
            self._start(safe, confirmed=False)
        if paging:
            names = ", ".join(i.title for i in paging)

            def done(yes: bool | None) -> None:
                if yes:
                    self._start(paging, confirmed=True)

            self.push_screen(ConfirmModal(f"{names}: this sends a real event that pages a human. Send it?", "Send"), done)

    def _start(self, items: list[Item], *, confirmed: bool) -> None:
        self.running.update(i.key for i in items)
        self.refresh_screens()
        self._probe(items, confirmed)

    @work(exclusive=False, group="probes", exit_on_error=False)
    async def _probe(self, items: list[Item], confirmed: bool) -> None:
        engine = Engine(self.profile, clock=self.clock)
        self.engines.add(engine)
        try:
            await engine.run(items, confirmed=confirmed, on_result=lambda result: self.post_message(ProbeFinished(result)))
        finally:
            self.engines.discard(engine)
            self.post_message(ProbeRunEnded([i.key for i in items], engine.cancel_event.is_set()))

    async def on_probe_finished(self, message: ProbeFinished) -> None:
        """Save each result as it arrives (a batch of one, in a thread) and redraw just its row."""
        result: ItemResult = message.outcome
        if not self.read_only:
            try:
                await asyncio.to_thread(lambda: actions.record_results(self.store, [result], actor=self.actor))
                self.state = await asyncio.to_thread(self.store.read)
                self.fingerprint = await asyncio.to_thread(self.store.fingerprint)
            except GoliveError as exc:
                self.notify(f"could not save the result of {result.item.key}: {exc}", severity="error", timeout=8)
        self.running.discard(result.item.key)
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.result_arrived(result.item.key)
        else:
            self.refresh_screens()

    def on_probe_run_ended(self, message: ProbeRunEnded) -> None:
        self.running.difference_update(message.keys)
        if message.cancelled:
            self.notify("probes cancelled", timeout=3)
        self.refresh_screens()

    def action_probe_all(self) -> None:
        self.run_probes(list(self.checklist.items()))

    def action_cancel_probes(self) -> None:
        for engine in list(self.engines):
            engine.cancel()

    async def action_quit(self) -> None:
        self.action_cancel_probes()
        self.exit()

    # --- navigation --------------------------------------------------------------------------
    def _switch(self, screen_type: type | None) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if screen_type is not None:
            self.push_screen(screen_type())

    def action_show_main(self) -> None:
        self._switch(None)

    def action_show_performance(self) -> None:
        self._switch(PerformanceScreen)

    def action_show_signoff(self) -> None:
        self._switch(SignoffScreen)

    def action_show_audit(self) -> None:
        self._switch(AuditScreen)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(checklist: Checklist, profile: Profile, store: Store, *, read_only: bool = False,
             monochrome: bool = False, clock: Callable[[], datetime] | None = None, by: str | None = None) -> GoliveApp:
    """The app factory used by the CLI and the tests."""
    return GoliveApp(checklist, profile, store, read_only=read_only, monochrome=monochrome, clock=clock, by=by)
