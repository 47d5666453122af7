"""Modal dialogs: note/evidence, waiver, approval, revocation, confirmation, go-live."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static


class _Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def buttons(self, ok: str = "Save") -> Horizontal:
        # Compact buttons: one row each, so dialogs fit a 24-line terminal.
        return Horizontal(Button(ok, id="ok", variant="primary", compact=True),
                          Button("Cancel", id="cancel", compact=True), classes="buttons")


class NoteModal(_Dialog):
    """Edit an item's note and evidence (text, link, or a file path whose SHA-256 is recorded)."""

    def __init__(self, title: str, note: str, evidence: str) -> None:
        super().__init__()
        self.item_title, self.note, self.evidence = title, note, evidence

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Note and evidence — {self.item_title}", classes="dialog-title")
            yield Label("Note")
            yield Input(self.note, id="note", placeholder="what was done, by whom, where")
            yield Label("Evidence (text, link or file path)")
            yield Input(self.evidence, id="evidence", placeholder="https://… or /path/to/report.pdf")
            yield self.buttons()

    def submit(self) -> None:
        self.dismiss((self.query_one("#note", Input).value, self.query_one("#evidence", Input).value))


class WaiveModal(_Dialog):
    """Waive an item until a date; a reason is mandatory."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.item_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Waive — {self.item_title}", classes="dialog-title")
            yield Label("Reason (required)")
            yield Input(id="reason", placeholder="why this may go live without it")
            yield Label("Until (YYYY-MM-DD, UTC end of day)")
            yield Input(id="until", placeholder="2026-12-31")
            yield Static("", id="error", classes="error")
            yield self.buttons("Waive")

    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        raw = self.query_one("#until", Input).value.strip()
        error = self.query_one("#error", Static)
        if not reason:
            error.update("A waiver needs a reason.")
            return
        try:
            until = datetime.fromisoformat(raw).replace(tzinfo=UTC)
        except ValueError:
            error.update("Until must be a date like 2026-12-31.")
            return
        if len(raw) == 10:
            until = until.replace(hour=23, minute=59, second=59)
        self.dismiss((reason, until))


class ApproveModal(_Dialog):
    """Approve as a role: shows the signature (digest of every item's state) being signed."""

    def __init__(self, roles: list[tuple[str, str]], signature: str, default_name: str, role: str = "") -> None:
        super().__init__()
        self.roles, self.signature, self.default_name = roles, signature, default_name
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else (known[0] if known else "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Approve the go-live record", classes="dialog-title")
            yield Label("Role")
            yield Select([(label, role_id) for role_id, label in self.roles], id="role", prompt="Role",
                         value=self.role or Select.BLANK, allow_blank=False)
            yield Label("Name")
            yield Input(self.default_name, id="name")
            yield Static(f"Signs the current state of every item:\nSHA-256 {self.signature}", classes="signature")
            yield Static("", id="error", classes="error")
            yield self.buttons("Approve")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        role = self.query_one("#role", Select).value
        name = self.query_one("#name", Input).value.strip()
        if role is Select.BLANK or not name:
            self.query_one("#error", Static).update("Choose a role and enter the approver's name.")
            return
        self.dismiss((role, name))


class RevokeModal(_Dialog):
    """Revoke a recorded approval; a reason is mandatory (it goes to the audit trail)."""

    def __init__(self, roles: list[tuple[str, str]], role: str = "") -> None:
        super().__init__()
        self.roles = roles
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else known[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Revoke an approval", classes="dialog-title")
            yield Select([(label, role_id) for role_id, label in self.roles], id="role", value=self.role,
                         allow_blank=False)
            yield Label("Reason (required)")
            yield Input(id="reason", placeholder="what changed since it was signed")
            yield Static("", id="error", classes="error")
            yield self.buttons("Revoke")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#error", Static).update("Revoking needs a reason.")
            return
        self.dismiss((self.query_one("#role", Select).value, reason))


class ConfirmModal(_Dialog):
    """Ask before anything that pages a human or changes production."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "yes", "Yes"), Binding("n", "cancel", "No")]

    def __init__(self, question: str, ok: str = "Yes") -> None:
        super().__init__()
        self.question, self.ok = question, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            yield self.buttons(self.ok)

    def action_yes(self) -> None:
        self.dismiss(True)

    def submit(self) -> None:
        self.dismiss(True)


class GoLiveModal(_Dialog):
    """Record the go-live moment; on NO-GO only with a typed reason (audited)."""

    def __init__(self, go: bool, reasons: list[str]) -> None:
        super().__init__()
        self.go, self.reasons = go, reasons

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if self.go:
                yield Static("GO holds. Record the go-live moment now?", classes="dialog-title")
            else:
                yield Static("NO-GO. Recording go-live anyway is audited. Blocking:", classes="dialog-title")
                with VerticalScroll(classes="reasons"):
                    yield Static("\n".join(f"• {r}" for r in self.reasons))
                yield Label("Reason to force (required)")
                yield Input(id="reason")
            yield Static("", id="error", classes="error")
            yield self.buttons("Record go-live")

    def on_mount(self) -> None:
        self.query_one("#ok" if self.go else "#reason").focus()

    def submit(self) -> None:
        if self.go:
            self.dismiss("")
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#error", Static).update("Forcing a NO-GO go-live needs a reason.")
            return
        self.dismiss(reason)
