"""The golive cockpit app: navigation, start-up, quitting; the work is in Recorder and Prober.

The app holds no business rule: every change goes through `golive_tui.actions` (Recorder),
every verdict and go/no-go through `golive_tui.decision`, every probe through the engine
(Prober), all of them over one `Session`. Start-up draws the first frame before pydantic,
the probes or any SDK are imported (preview.py); the session loads in a worker, then the
SDKs are imported in another one so the first `R` finds them warm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome
from textual.screen import Screen

from .commands import GoliveCommands
from .hangup import hang_up_safe, watch_terminal
from .messages import ProbeFinished, ProbeRunEnded, SessionLoaded
from .preview import PreviewScreen

if TYPE_CHECKING:
    from ..decision import Decision
    from ..model import Item
    from ..session import Session
    from .prober import Prober
    from .recorder import Recorder
    from .signer import Signer
    from .view import HeaderView

READ_ONLY = "read-only: nothing can be changed in this session"
PREVIEW_KEYS = frozenset({"q", "ctrl+c", "question_mark", "colon", "ctrl+p"})
"""What works on the preview itself (quit, help, palette); other keys wait for the cockpit."""
TYPEAHEAD_LIMIT = 32
APP_WRITES = frozenset({"probe_all", "toggle_watch", "export"})


class GoliveApp(App):
    CSS_PATH = Path(__file__).parent / "golive.tcss"
    TITLE = "golive"
    COMMANDS = App.COMMANDS | {GoliveCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        # Ctrl+C quits, as the README says (Textual would only tell you to press Ctrl+Q).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("1,f1", "show_main", "Main", show=False),
        Binding("2,f2", "show_performance", "Perf", show=False),
        Binding("3,f3", "show_signoff", "Sign-off", show=False),
        Binding("4,f4", "show_audit", "Audit", show=False),
        Binding("R", "probe_all", "Sweep"),
        Binding("W", "toggle_watch", "Watch", show=False),
        # Naming command_palette here replaces Textual's own ctrl+p binding, so both keys are listed.
        Binding("colon,ctrl+p", "command_palette", "Palette", show=False),
    ]

    def __init__(self, session: Session | None = None, *, loader: Callable[[], Session] | None = None,
                 preview: tuple[str | None, str | None] = (None, None), monochrome: bool = False,
                 watch: float | None = None, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.session: Session = session  # type: ignore[assignment]  # set by install() before any screen uses it
        self.loader, self.preview = loader, preview
        self.monochrome = monochrome or self.no_color
        """True: Textual's monochrome filter draws everything (static spinner, words carry meaning)."""
        self._monochrome_filter = Monochrome()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.watch = watch
        self.recorder: Recorder = None  # type: ignore[assignment]
        self.signer: Signer = None  # type: ignore[assignment]
        self.prober: Prober = None  # type: ignore[assignment]
        self.load_error: str = ""
        """Why the cockpit could not start (printed by the CLI after the terminal is restored)."""
        self.quit_note: str = ""
        self._typed_ahead: list[tuple[str, str | None]] = []
        self._decision: tuple[Any, Decision] | None = None

    @property
    def read_only(self) -> bool:
        return self.session is not None and self.session.read_only

    def now(self) -> datetime:
        return self.clock()

    def get_line_filters(self) -> list[LineFilter]:
        filters = list(super().get_line_filters())
        if self.monochrome and not self.no_color:  # NO_COLOR already makes Textual add its own
            filters.append(self._monochrome_filter)
        return filters

    # --- start-up ----------------------------------------------------------------------------
    def get_driver_class(self) -> type:
        return hang_up_safe(super().get_driver_class())

    def get_default_screen(self) -> Screen:
        if self.session is not None:
            from .screens.main import MainScreen

            return MainScreen()
        return PreviewScreen(*self.preview)

    def on_mount(self) -> None:
        if self.session is not None:
            self.install(self.session)

    def on_ready(self) -> None:
        """The first frame is on the terminal: load now (the loader's thread would hold the GIL while it is drawn)."""
        if self.session is None:
            self._load()
        watch_terminal(self, self._leave)  # a terminal gone without a SIGHUP ends the cockpit as one would

    @work(thread=True, exit_on_error=False, group="load")
    def _load(self) -> None:
        """Validate and read everything (pydantic, probes, state) off the event loop, after the first frame."""
        from ..errors import GoliveError

        try:
            session = self.loader()  # type: ignore[misc]
            from . import prober, recorder, signer  # noqa: F401 - imported here, not before the first frame
            from .screens import main  # noqa: F401
        except GoliveError as exc:
            self.call_from_thread(self.fail_to_start, str(exc), exc.exit_code)
            return
        self.post_message(SessionLoaded(session))

    async def on_session_loaded(self, message: SessionLoaded) -> None:
        from .screens.main import MainScreen

        self.install(message.session)
        # A mode of its own: the preview stays behind in the default mode's stack, never shown again.
        self.add_mode("cockpit", MainScreen)
        await self.switch_mode("cockpit")
        typed, self._typed_ahead = self._typed_ahead, []
        for key, character in typed:
            self.post_message(events.Key(key, character))

    def fail_to_start(self, message: str, code: int = 2) -> None:
        self.load_error = message
        self.exit(return_code=code)

    def install(self, session: Session) -> None:
        """Start the cockpit proper on a loaded session: recorder, prober, live reload, warm SDKs."""
        from .prober import Prober
        from .recorder import Recorder
        from .signer import Signer

        self.session = session
        self.recorder, self.signer, self.prober = Recorder(self), Signer(self), Prober(self)
        self.set_interval(1.0, self.poll_state)
        # 4 updates a second at most, and only while probes run: no flood on a slow SSH link.
        self.set_interval(0.25, self.tick)
        self._warm_up()
        from .captains import watch_captains

        watch_captains(self)  # who else has the record open; a captain whose words were replaced is told
        if self.watch:
            self.prober.start_watch(self.watch)

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        self.session.warm_up()

    # --- what every page shows -----------------------------------------------------------------
    def decision(self) -> Decision:
        """decide() once per state and second: every page of one redraw shares it."""
        from ..decision import decide

        now = self.now()
        key = (self.session.fingerprint, id(self.session.state), id(self.session.profile), now.replace(microsecond=0))
        if self._decision is None or self._decision[0] != key:
            self._decision = (key, decide(self.session.checklist, self.session.state, now, self.session.trust))
        return self._decision[1]

    def integrity(self) -> str:
        """The first problem of a record that fails verification, or empty."""
        decision = self.decision()
        return decision.integrity.problem if decision.tampered else ""

    def header_view(self) -> HeaderView | None:
        if self.session is None:
            return None
        from .view import header_view

        prober = self.prober
        return header_view(self.session, self.decision(), self.now(), regressed=len(prober.regressions()),
                           watch=prober.watch_label())

    def sweep_line(self) -> tuple[str, str, str]:
        return self.prober.line() if self.prober is not None else ("", "", "")

    def refresh_screens(self) -> None:
        """Redraw every page of the stack; modals keep their fields (they are not pages)."""
        from .screens.base import Page

        for screen in self.screen_stack:
            if isinstance(screen, Page) and screen.is_mounted:
                screen.refresh_view()

    def refresh_screens_after_results(self, keys: list[str]) -> None:
        """Probe results saved: the main screen redraws just their rows, other pages redraw."""
        from .screens.base import Page
        from .screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen) and screen.is_mounted:
                screen.results_saved(keys)
            elif isinstance(screen, Page) and screen.is_mounted:
                screen.refresh_view()

    async def poll_state(self) -> None:
        """Live file: another captain's change shows up within a second, nothing local is lost."""
        from ..errors import GoliveError

        try:
            changed = await asyncio.to_thread(self.session.reload)
            if await asyncio.to_thread(self.session.reload_profile):
                self.notify("profile changed: probe clients rebuilt for the new target", timeout=5)
                changed = True
        except GoliveError as exc:
            self.notify(f"state file unreadable, showing the last good view: {exc}", severity="error", timeout=8)
            return
        if changed:
            self.refresh_screens()
        elif self.session.state.meta.golive_at is not None:
            self.refresh_chrome()  # the LIVE clock ticks

    def refresh_chrome(self) -> None:
        refresh = getattr(self.screen, "refresh_chrome", None)
        if refresh is not None:
            refresh()

    def tick(self) -> None:
        from .screens.main import MainScreen

        if self.prober.running and isinstance(self.screen, MainScreen):
            self.screen.tick_spinner()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.session is None and isinstance(self.screen, PreviewScreen) and event.key not in PREVIEW_KEYS:
                # Typed ahead on the preview (R as soon as the table shows): kept for the cockpit, not dropped.
                if len(self._typed_ahead) < TYPEAHEAD_LIMIT:
                    self._typed_ahead.append((event.key, event.character))
                event.stop()
                return
            if self.prober is not None:  # the sweep summary stays until the next key, whichever screen gets it
                self.prober.key_pressed()
        await super().on_event(event)

    def writable(self, what: str = READ_ONLY) -> bool:
        if self.read_only:
            self.notify(what, severity="warning")
        return not self.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.session is None:  # the preview: only leaving works yet
            return action in ("quit", "command_palette", "help")
        return not (self.read_only and action in APP_WRITES)

    # --- palette -----------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # One Quit: ours (it asks first while a sweep runs); Textual's would not.
        yield from (command for command in super().get_system_commands(screen) if command.title != "Quit")

    # --- messages from workers -----------------------------------------------------------------
    def on_probe_finished(self, message: ProbeFinished) -> None:
        self.prober.arrived(message.outcome, message.sweep)

    async def on_probe_run_ended(self, message: ProbeRunEnded) -> None:
        await self.prober.ended(message.keys, message.cancelled, message.sweep)

    # --- actions -----------------------------------------------------------------------------
    def action_probe_all(self) -> None:
        self.prober.sweep(list(self.session.checklist.items()))

    def action_toggle_watch(self) -> None:
        self.prober.toggle_watch()

    def action_cancel_probes(self) -> None:
        self.prober.cancel()

    def action_export(self, fmt: str = "html") -> None:
        self.recorder.export(fmt)

    def action_approve(self) -> None:
        self.signer.approve("")

    def action_revoke(self) -> None:
        self.signer.revoke("")

    def action_go_live(self) -> None:
        self.signer.go_live()

    async def action_quit(self) -> None:
        """Quit; while a sweep runs, ask first, then cancel it and say so at once."""
        from .modals.base import ConfirmModal

        prober = self.prober
        if prober is None or not prober.running:
            await self._leave()
            return
        if isinstance(self.screen, ConfirmModal) and getattr(self.screen, "quitting", False):
            await self._leave(cancelled=True)  # asked twice: no second question
            return

        async def answer(yes: bool | None) -> None:
            if yes:
                await self._leave(cancelled=True)

        modal = ConfirmModal(f"A sweep is running ({prober.progress()}). Quit now and cancel it?", "Quit")
        modal.quitting = True  # type: ignore[attr-defined]
        self.push_screen(modal, answer)

    async def _leave(self, *, cancelled: bool = False) -> None:
        if self.prober is not None:
            if cancelled:
                self.quit_note = f"golive: sweep cancelled ({self.prober.progress()}); results so far are saved"
                self.notify("cancelling the sweep and quitting…", timeout=2)
            self.prober.cancel()
            await self.prober.drain()  # what already arrived is saved
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
        from .screens.performance import PerformanceScreen

        self._switch(PerformanceScreen)

    def action_show_signoff(self) -> None:
        from .screens.signoff import SignoffScreen

        self._switch(SignoffScreen)

    def action_show_audit(self) -> None:
        from .screens.audit import AuditScreen

        self._switch(AuditScreen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_item(self, item: Item, order: list[str] | None = None) -> None:
        """The item screen over whatever page asked (Enter on a row, a blocker, a metric)."""
        from .screens.item import ItemScreen

        self.push_screen(ItemScreen(item, order))


def run_cockpit(*, checklist: str | None, profile: str | None, overrides: tuple[str, ...] = (), state: str | None,
                read_only: bool = False, monochrome: bool = False, watch: float | None = None) -> tuple[int, str]:
    """Run the cockpit as `golive` does; (exit code, message for stderr) once the terminal is back."""

    def load() -> Session:
        from ..session import open_session

        return open_session(checklist=checklist, profile=profile, overrides=overrides, state=state,
                            read_only=read_only)

    app = GoliveApp(loader=load, preview=(checklist, state), monochrome=monochrome, watch=watch)
    app.run()
    if app.load_error:
        from ..text import safe_line

        return app.return_code or 2, f"golive: error: {safe_line(app.load_error)}"
    return app.return_code or 0, app.quit_note


def make_app(checklist, profile, store, *, read_only: bool = False, monochrome: bool = False,
             clock: Callable[[], datetime] | None = None, by: str | None = None,
             watch: float | None = None, operator=None) -> GoliveApp:
    """The app factory used by the tests: a session over the given checklist, profile and store
    (`operator`: whose session it is, for records and images that must not name the test machine)."""
    from ..actor import Actor
    from ..session import Session

    clock = clock or (lambda: datetime.now(UTC))
    session = Session(checklist, profile, store, Actor.current(by, clock=clock, operator=operator), read_only=read_only)
    return GoliveApp(session, monochrome=monochrome, clock=clock, watch=watch)
