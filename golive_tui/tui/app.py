"""The golive cockpit app: wires the domain core (actions, decision, engine, store) to screens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from .. import actions
from ..decision import decide, outcome, progress
from ..engine import Engine, ItemResult
from ..errors import GoliveError
from ..model import Checklist, Item
from ..profile import Profile
from ..state import StateStore, actor
from ..state_model import State
from .commands import GoliveCommands
from .format import outcome_text, verdict_text
from .main_screen import MainScreen
from .messages import ProbeFinished, ProbeRunEnded, ProbeStarted
from .modals import ApproveModal, ConfirmModal, GoLiveModal, NoteModal, WaiveModal
from .screens import AuditScreen, HelpScreen, PerformanceScreen, SignoffScreen


class GoliveApp(App):
    CSS_PATH = Path(__file__).parent / "golive.tcss"
    TITLE = "golive"
    COMMANDS = App.COMMANDS | {GoliveCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("1", "show_main", "Main", show=False),
        Binding("2", "show_performance", "Perf"),
        Binding("3", "show_signoff", "Sign-off"),
        Binding("4", "show_audit", "Audit", show=False),
        Binding("R", "probe_all", "Probe all"),
        Binding("colon", "command_palette", "Palette", show=False),
        Binding("G", "go_live", "Go-live", show=False),
    ]

    def __init__(self, checklist: Checklist, profile: Profile, store: StateStore, *, read_only: bool = False,
                 monochrome: bool = False, clock: Callable[[], datetime] | None = None, by: str | None = None) -> None:
        super().__init__()
        self.checklist, self.profile, self.store = checklist, profile, store
        self.read_only, self.monochrome, self.by = read_only, monochrome, by
        self.clock = clock or (lambda: datetime.now(UTC))
        self.state: State = store.read()
        self.fingerprint = store.fingerprint()
        self.running: set[str] = set()
        self.engines: set[Engine] = set()
        if monochrome:
            self.theme = "textual-ansi"

    def now(self) -> datetime:
        return self.clock()

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.poll_state)
        self.set_interval(0.25, self.tick)

    # --- views shared by screens ------------------------------------------------------------
    def header_text(self) -> Text:
        now = self.now()
        decision = decide(self.checklist, self.state, now)
        overall = progress(list(self.checklist.items()), self.state, now)
        target = self.profile.target
        where = target.name + (f" ns:{target.namespace}" if target.namespace != target.name else "")
        if self.profile.aws.region:
            where += f" {self.profile.aws.region}"
        # The badge and progress come first: at 80 columns the end of the line may be cut.
        badge_style = "" if self.monochrome else ("bold white on green" if decision.go else "bold white on red")
        text = Text()
        text.append(f" {decision.label} ", style=badge_style)
        text.append(f" {overall.label()} │ {self.checklist.title} │ {where}")
        if self.read_only:
            text.append("  READ-ONLY", style="" if self.monochrome else "bold yellow")
        if self.running:
            text.append(f"  probing {len(self.running)}…")
        if self.store.shared is not None and self.store.offline:
            text.append(f"  {self.store.shared.summary()}", style="" if self.monochrome else "bold yellow")
        return text

    def detail_text(self, item: Item) -> Text:
        istate = self.state.item(item.key)
        o = outcome(item, istate, self.now())
        text = Text()
        text.append(f"{item.title}", style="bold")
        text.append(f"  {item.key}  [{item.priority}]  owner: {item.owner}\n")
        if item.description:
            text.append(item.description + "\n")
        text.append("Status: ")
        text.append_text(outcome_text(o.state, self.monochrome))
        if istate.at:
            text.append(f" — {istate.by} {istate.at:%Y-%m-%d %H:%M} UTC")
        if o.reason:
            text.append(f" ({o.reason})")
        text.append("\n")
        if item.metric:
            m = item.metric
            text.append(f"Target {m.target}" + (f", acceptable {m.acceptable}" if m.acceptable else "") + "\n")
        if istate.probe:
            p = istate.probe
            text.append("Probe: ")
            text.append_text(verdict_text(p.verdict, self.monochrome))
            text.append(f" — {p.summary} ({p.checked_at:%H:%M:%S}, {p.duration_ms:.0f} ms)\n")
            if p.evidence:
                text.append(p.evidence.rstrip() + "\n", style="" if self.monochrome else "bright_black")
        elif item.probe:
            text.append("Probe: " + ", ".join(s.kind for s in item.probe) + " — not run yet (p)\n")
        else:
            text.append("Manual item: attest with d/x/n and e for note and evidence.\n")
        if istate.note:
            text.append(f"Note: {istate.note}\n")
        if istate.evidence:
            text.append(f"Evidence: {istate.evidence}" + (f" (sha256 {istate.evidence_sha256[:12]}…)" if istate.evidence_sha256 else "") + "\n")
        if istate.waiver:
            w = istate.waiver
            text.append(f"Waiver: until {w.until:%Y-%m-%d} by {w.by}: {w.reason}\n")
        if item.runbook:
            text.append("Runbook:\n", style="bold")
            text.append(item.runbook.rstrip() + "\n")
        return text

    # --- state -------------------------------------------------------------------------------
    async def poll_state(self) -> None:
        """Live file: another captain's change shows up within a second, nothing local is lost."""
        try:
            if self.store.shared is not None and self.store.offline:
                # Shared state on S3: push the local journal as soon as S3 answers again.
                await asyncio.to_thread(self.store.sync)
            fingerprint = await asyncio.to_thread(self.store.fingerprint)
            if fingerprint == self.fingerprint:
                return
            self.state = await asyncio.to_thread(self.store.read)
            self.fingerprint = fingerprint
        except GoliveError as exc:
            self.fingerprint = None if fingerprint is None else fingerprint
            self.notify(f"state file unreadable, showing the last good view: {exc}", severity="error", timeout=8)
            return
        self.refresh_screens()

    def refresh_screens(self) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_view", None)
            if refresh is not None:
                refresh()

    def tick(self) -> None:
        screen = self.screen
        if self.running and isinstance(screen, MainScreen):
            screen.tick_spinner()

    async def write(self, fn: Callable[[], object], success: str | None = None) -> bool:
        """Run one state change in a thread, then reload; errors are notifications, never crashes."""
        if self.read_only:
            self.notify("read-only: nothing can be changed in this session", severity="warning")
            return False
        try:
            await asyncio.to_thread(fn)
            self.state = await asyncio.to_thread(self.store.read)
            self.fingerprint = self.store.fingerprint()
        except GoliveError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        if success:
            self.notify(success, timeout=3)
        self.refresh_screens()
        return True

    # --- recording ---------------------------------------------------------------------------
    def mark(self, item: Item, status: str) -> None:
        self.run_worker(self.write(lambda: actions.mark(self.store, item, status, by=self.by)), group="write")

    def cycle(self, item: Item) -> None:
        self.run_worker(self.write(lambda: actions.cycle_status(self.store, item, by=self.by)), group="write")

    def edit_note(self, item: Item) -> None:
        if self.read_only:
            self.notify("read-only: nothing can be changed in this session", severity="warning")
            return
        istate = self.state.item(item.key)

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            note, evidence = result
            self.run_worker(self.write(lambda: actions.annotate(
                self.store, item, note=note if note != istate.note else None,
                evidence=evidence if evidence != istate.evidence else None, by=self.by), "note saved"), group="write")

        self.push_screen(NoteModal(item.title, istate.note, istate.evidence), done)

    def waive(self, item: Item) -> None:
        if self.read_only:
            self.notify("read-only: nothing can be changed in this session", severity="warning")
            return

        def done(result) -> None:
            if result is not None:
                reason, until = result
                self.run_worker(self.write(lambda: actions.waive(self.store, item, reason=reason, until=until, by=self.by),
                                           f"waived until {until:%Y-%m-%d}"), group="write")

        self.push_screen(WaiveModal(item.title), done)

    def action_approve(self) -> None:
        if self.read_only:
            self.notify("read-only: nothing can be changed in this session", severity="warning")
            return
        decision = decide(self.checklist, self.state, self.now())
        roles = [(r.id, r.role) for r in self.checklist.approval]

        def done(result) -> None:
            if result is not None:
                role, name = result
                self.run_worker(self.write(lambda: actions.approve(self.store, self.checklist, role, name=name, by=self.by or name),
                                           f"approved as {role}"), group="write")

        self.push_screen(ApproveModal(roles, decision.signature, actor(self.by).split("@")[0]), done)

    def action_go_live(self) -> None:
        if self.read_only:
            self.notify("read-only: nothing can be changed in this session", severity="warning")
            return
        decision = decide(self.checklist, self.state, self.now())

        def done(reason) -> None:
            if reason is not None:
                self.run_worker(self.write(lambda: actions.go_live(self.store, self.checklist, force_reason=reason, by=self.by),
                                           "go-live recorded"), group="write")

        self.push_screen(GoLiveModal(decision.go, decision.reasons), done)

    # --- probes ------------------------------------------------------------------------------
    def run_probes(self, items: list[Item]) -> None:
        if self.read_only:
            self.notify("read-only: probes record results, so they are off in this session", severity="warning")
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
        self.run_worker(self._probe(items, confirmed), group="probes", exit_on_error=False)

    async def _probe(self, items: list[Item], confirmed: bool) -> None:
        engine = Engine(self.profile)
        self.engines.add(engine)
        try:
            await engine.run(items, confirmed=confirmed,
                             on_start=lambda item: self.post_message(ProbeStarted(item.key)),
                             on_result=lambda outcome: self.post_message(ProbeFinished(outcome)))
        finally:
            self.engines.discard(engine)
            self.post_message(ProbeRunEnded([i.key for i in items], engine.cancel_event.is_set()))

    async def on_probe_finished(self, message: ProbeFinished) -> None:
        outcome_: ItemResult = message.outcome
        try:
            await asyncio.to_thread(actions.record_results, self.store, [outcome_], by=self.by)
            self.state = await asyncio.to_thread(self.store.read)
            self.fingerprint = self.store.fingerprint()
        except GoliveError as exc:
            self.notify(f"could not save the result of {outcome_.item.key}: {exc}", severity="error", timeout=8)
        self.running.discard(outcome_.item.key)
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.update_row(outcome_.item.key)
            screen.show_detail()
            screen.query_one("#header").update(self.header_text())
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
        if not self.engines:
            return
        for engine in list(self.engines):
            engine.cancel()

    async def action_quit(self) -> None:
        for engine in list(self.engines):
            engine.cancel()
        self.exit()

    # --- navigation --------------------------------------------------------------------------
    def _switch(self, screen_type) -> None:
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


def make_app(checklist: Checklist, profile: Profile, store: StateStore, *, read_only: bool = False,
             monochrome: bool = False, clock: Callable[[], datetime] | None = None, by: str | None = None) -> GoliveApp:
    """The app factory used by the CLI and the tests."""
    return GoliveApp(checklist, profile, store, read_only=read_only, monochrome=monochrome, clock=clock, by=by)
