"""The dialog every modal is: fields, an error line, OK/Cancel, a footer of its own keys.

`check` runs the change the dialog asks for (through the app, so through `actions`) and
returns the error to show, or None: the dialog closes only when the change was made, so
a refused waiver date or approval leaves the dialog open with everything typed in it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ..widgets.footer import FittingFooter

Check = Callable[[Any], Awaitable[str | None]]


class Invalid(ValueError):
    """What a dialog says about its own fields before anything is written."""


class Dialog(ModalScreen[Any]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    OK = "Save"
    CANCEL_FIRST = False
    """True where the safe answer must be the one Enter gives (anything that pages a human)."""

    def __init__(self, check: Check | None = None) -> None:
        super().__init__()
        self.check = check
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_fields()
            yield Static("", id="error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                # Compact buttons: one row each, so dialogs fit a 24-line terminal.
                yield Button(
                    self.OK,
                    id="ok",
                    variant="error" if self.CANCEL_FIRST else "primary",
                    compact=True,
                )
                yield Button("Cancel", id="cancel", compact=True)
        yield FittingFooter()

    def compose_fields(self) -> ComposeResult:  # pragma: no cover - every dialog has fields
        yield from ()

    def on_mount(self) -> None:
        if self.CANCEL_FIRST:
            self.query_one("#cancel", Button).focus()

    def value(self) -> Any:
        """What the dialog gives back; raise Invalid with a message to stay open."""
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            await self.submit()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.submit()

    def fail(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    async def submit(self) -> None:
        if self.busy:
            return
        try:
            value = self.value()
        except Invalid as exc:
            self.fail(str(exc))
            return
        if self.check is not None:
            self.busy = True
            try:
                error = await self.check(value)
            finally:
                self.busy = False
            if error:
                self.fail(error)
                return
        self.dismiss(value)


class ConfirmModal(Dialog):
    """A yes/no question; with `danger`, Cancel is focused and only the button confirms."""

    BINDINGS = [Binding("escape,n", "cancel", "Cancel"), Binding("y", "yes", "Yes")]

    def __init__(
        self, question: str, ok: str = "Yes", *, danger: bool = False, check: Check | None = None
    ) -> None:
        super().__init__(check)
        self.question, self.OK, self.CANCEL_FIRST = question, ok, danger
        self.quitting = False
        """The app's "quit while a sweep runs?": a second q answers it."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No single key confirms a dangerous question: type-ahead must never page anyone.
        return not (action == "yes" and self.CANCEL_FIRST)

    async def action_yes(self) -> None:
        await self.submit()

    def compose_fields(self) -> ComposeResult:
        yield Static(self.question, classes="dialog-title", markup=False)
