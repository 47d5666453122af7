"""The golive cockpit app: navigation, start-up, quitting; what it shows is the Cockpit state's.

The app holds no business rule and no state of its own: the `Cockpit` (golive_tui/cockpit)
holds the record, the sweep, watch mode and the clock, and derives every view; pages redraw
on its `CockpitChanged`. Keys come from one registry (keymap.py). Every change goes through
`golive_tui.actions` (Recorder, Approving), every probe through the engine (Prober starts them).
Start-up draws the first frame before pydantic, the probes or any SDK are imported
(preview.py); the session loads in a worker, then the SDKs are imported in another one so
the first `R` finds them warm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.filter import LineFilter, Monochrome
from textual.screen import Screen

from . import keymap
from .commands import GoliveCommands
from .hangup import hang_up_safe, watch_terminal
from .messages import CockpitChanged, SessionLoaded
from .preview import PreviewScreen, TypeAhead

if TYPE_CHECKING:
    from ..actor import Operator
    from ..cockpit import Cockpit, Notice
    from ..model import Checklist, Item
    from ..profile import Profile
    from ..session import Session
    from ..state import Store
    from .approving import Approving
    from .prober import Prober
    from .recorder import Recorder


class GoliveApp(App[None]):
    CSS_PATH = Path(__file__).parent / "golive.tcss"
    TITLE = "golive"
    COMMANDS = App.COMMANDS | {GoliveCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = keymap.bindings("app")

    def __init__(
        self,
        session: Session | None = None,
        *,
        loader: Callable[[], Session] | None = None,
        preview: tuple[str | None, str | None] = (None, None),
        monochrome: bool = False,
        watch: float | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.session: Session | None = session
        self.loader, self.preview = loader, preview
        self.monochrome = monochrome or self.no_color
        """True: Textual's monochrome filter draws everything (static spinner, words carry
        meaning)."""
        self._monochrome_filter = Monochrome()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.watch_seconds = watch
        """`--watch N`: sweep every N seconds from the start (named so as not to hide Textual's
        `watch`)."""
        # The cockpit state and its controllers exist once the session is loaded (install); the
        # preview before it uses none of them (check_action lets only quit, help and the palette
        # run).
        self.cockpit: Cockpit = None  # type: ignore[assignment]  # set by install() before any page exists
        self.recorder: Recorder = None  # type: ignore[assignment]  # idem
        self.approving: Approving = None  # type: ignore[assignment]  # idem
        self.prober: Prober = None  # type: ignore[assignment]  # idem
        self.load_error: str = ""
        """Why the cockpit could not start (printed by the CLI after the terminal is restored)."""
        self.quit_note: str = ""
        self._typed_ahead = TypeAhead()

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

    def get_default_screen(self) -> Screen[None]:
        if self.session is not None:
            from .screens.main import MainScreen

            return MainScreen()
        return PreviewScreen(*self.preview)

    def on_mount(self) -> None:
        if self.session is not None:
            self.install(self.session)

    def on_ready(self) -> None:
        """The first frame is on the terminal: load now (the loader's thread would hold the GIL
        while it is drawn)."""
        if self.session is None:
            self._load()
        watch_terminal(
            self, self._leave
        )  # a terminal gone without a SIGHUP ends the cockpit as one would

    @work(thread=True, exit_on_error=False, group="load")
    def _load(self) -> None:
        """Validate and read everything (pydantic, probes, state) off the event loop, after the
        first frame."""
        from ..errors import GoliveError

        try:
            assert self.loader is not None  # no session given: run_cockpit passes a loader
            session = self.loader()
            from . import approving, prober, recorder  # noqa: F401 - imported here, not before the first frame
            from .screens import main  # noqa: F401
        except GoliveError as exc:
            self.call_from_thread(self.fail_to_start, str(exc), exc.exit_code)
            return
        self.post_message(SessionLoaded(session))

    async def on_session_loaded(self, message: SessionLoaded) -> None:
        from .screens.main import MainScreen

        self.install(message.session)
        # A mode of its own: the preview stays behind in the default mode's stack, never shown
        # again.
        self.add_mode("cockpit", MainScreen)
        await self.switch_mode("cockpit")
        for key in self._typed_ahead.release():
            self.post_message(key)

    def fail_to_start(self, message: str, code: int = 2) -> None:
        self.load_error = message
        self.exit(return_code=code)

    def install(self, session: Session) -> None:
        """Start the cockpit proper on a loaded session: its state, the controllers, live reload,
        warm SDKs."""
        from ..cockpit import Cockpit
        from .approving import Approving
        from .prober import Prober
        from .recorder import Recorder

        self.session = session
        self.cockpit = Cockpit(session, clock=self.clock, monochrome=self.monochrome)
        self.cockpit.subscribe(self._cockpit_changed, self._notice)
        self.recorder = Recorder(self, self.cockpit)
        self.approving = Approving(self, self.cockpit, self.recorder)
        self.prober = Prober(self, self.cockpit, watch_default=self.watch_seconds)
        self.set_interval(1.0, self.cockpit.tick)  # what time alone changes shows within a second
        self.set_interval(1.0, self.poll_state)
        self._warm_up()
        from .captains import watch_captains

        self.captains_watch = watch_captains(
            self, self.cockpit
        )  # who else has the record open; a captain whose words were replaced is told
        if self.watch_seconds:
            self.prober.start_watch(self.watch_seconds)

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        self.cockpit.session.warm_up()

    def _cockpit_changed(self) -> None:
        """The cockpit state changed: every page on the stack redraws (one coalesced message
        each)."""
        from .screens.base import Page

        for screen in self.screen_stack:
            if isinstance(screen, Page) and screen.is_mounted:
                screen.post_message(CockpitChanged())

    def _notice(self, notice: Notice) -> None:
        self.notify(notice.text, severity=notice.severity, timeout=notice.timeout)

    async def poll_state(self) -> None:
        """Live file: another captain's change shows up within a second, nothing local is lost."""
        import asyncio

        from ..errors import GoliveError

        try:
            changed = await asyncio.to_thread(self.cockpit.reload)
        except GoliveError as exc:
            self.notify(
                f"state file unreadable, showing the last good view: {exc}",
                severity="error",
                timeout=8,
            )
            return
        if changed:
            self.cockpit.changed()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if (
                self.session is None
                and isinstance(self.screen, PreviewScreen)
                and self._typed_ahead.hold(event)
            ):
                event.stop()  # typed ahead on the preview: the cockpit gets it once installed
                return
            if (
                self.cockpit is not None
            ):  # the sweep summary stays until the next key, whichever screen gets it
                self.cockpit.key_pressed()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.session is None:  # the preview: only leaving works yet
            return action in ("quit", "command_palette", "help")
        return not (self.read_only and keymap.writes(action, ("app",)))

    # --- palette -----------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # One Quit: ours (it asks first while a sweep runs); Textual's would not.
        yield from (
            command for command in super().get_system_commands(screen) if command.title != "Quit"
        )

    # --- actions (keymap.REGISTRY, scope "app") --------------------------------------------------
    def action_probe_all(self) -> None:
        self.prober.sweep(list(self.cockpit.session.checklist.items()))

    def action_toggle_watch(self) -> None:
        self.prober.toggle_watch()

    def action_cancel_probes(self) -> None:
        self.cockpit.cancel()

    def action_export(self, fmt: str = "html") -> None:
        self.recorder.export(fmt)

    def action_approve(self) -> None:
        self.approving.approve("")

    def action_revoke(self) -> None:
        self.approving.revoke("")

    def action_go_live(self) -> None:
        self.approving.go_live()

    async def action_quit(self) -> None:
        """Quit; while a sweep runs, ask first, then cancel it and say so at once."""
        from .modals.base import ConfirmModal

        cockpit = self.cockpit
        if cockpit is None or not cockpit.running:
            await self._leave()
            return
        if isinstance(self.screen, ConfirmModal) and self.screen.quitting:
            await self._leave(cancelled=True)  # asked twice: no second question
            return

        async def answer(yes: bool | None) -> None:
            if yes:
                await self._leave(cancelled=True)

        modal = ConfirmModal(
            f"A sweep is running ({cockpit.progress()}). Quit now and cancel it?", "Quit"
        )
        modal.quitting = True
        self.push_screen(modal, answer)

    async def _leave(self, *, cancelled: bool = False) -> None:
        if self.cockpit is not None:
            if cancelled:
                self.quit_note = (
                    f"golive: sweep cancelled ({self.cockpit.progress()}); results so far are saved"
                )
                self.notify("cancelling the sweep and quitting…", timeout=2)
            self.cockpit.cancel()
            await self.cockpit.drain()  # what already arrived is saved
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


def run_cockpit(
    *,
    checklist: str | None,
    profile: str | None,
    overrides: tuple[str, ...] = (),
    state: str | None,
    read_only: bool = False,
    monochrome: bool = False,
    watch: float | None = None,
) -> tuple[int, str]:
    """Run the cockpit as `golive` does; (exit code, message for stderr) once the terminal is
    back."""

    def load() -> Session:
        from ..session import open_session

        return open_session(
            checklist=checklist,
            profile=profile,
            overrides=overrides,
            state=state,
            read_only=read_only,
        )

    app = GoliveApp(loader=load, preview=(checklist, state), monochrome=monochrome, watch=watch)
    app.run()
    if app.load_error:
        from ..text import safe_line

        return app.return_code or 2, f"golive: error: {safe_line(app.load_error)}"
    return app.return_code or 0, app.quit_note


def make_app(
    checklist: Checklist,
    profile: Profile,
    store: Store,
    *,
    read_only: bool = False,
    monochrome: bool = False,
    clock: Callable[[], datetime] | None = None,
    by: str | None = None,
    watch: float | None = None,
    operator: Operator | None = None,
) -> GoliveApp:
    """The app factory used by the tests: a session over the given checklist, profile and store
    (`operator`: whose session it is, for records and images that must not name the test
    machine)."""
    from ..actor import Actor
    from ..session import Session

    clock = clock or (lambda: datetime.now(UTC))
    session = Session(
        checklist,
        profile,
        store,
        Actor.current(by, clock=clock, operator=operator),
        read_only=read_only,
    )
    return GoliveApp(session, monochrome=monochrome, clock=clock, watch=watch)
