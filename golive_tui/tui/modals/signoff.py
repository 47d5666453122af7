"""Dialogs of the sign-off: approve as a role, revoke an approval, record the go-live moment."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static

from ...text import safe_line
from .base import Check, Dialog, Invalid


class ApproveModal(Dialog):
    """Approve as a role: who types the name, who records it, and the digest of the state being signed."""

    OK = "Approve"

    def __init__(self, roles: list[tuple[str, str]], signature: str, default_name: str, role: str = "", *,
                 operator: str = "", check: Check | None = None) -> None:
        super().__init__(check)
        self.roles, self.signature, self.default_name, self.operator = roles, signature, default_name, operator
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else (known[0] if known else "")

    def compose_fields(self) -> ComposeResult:
        yield Label("Approve the go-live record", classes="dialog-title")
        yield Label("Role")
        yield Select([(label, role_id) for role_id, label in self.roles], id="role", prompt="Role",
                     value=self.role or Select.BLANK, allow_blank=False)
        yield Label("Approver's name")
        yield Input(self.default_name, id="name")
        if self.operator:
            yield Static(f"Recorded by {safe_line(self.operator)}", id="recorded", classes="signature", markup=False)
        yield Static(f"Signs the current state of every item:\nSHA-256 {self.signature}", id="digest",
                     classes="signature", markup=False)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def value(self) -> tuple[str, str]:
        role = self.query_one("#role", Select).value
        name = self.query_one("#name", Input).value.strip()
        if role is Select.BLANK or not name:
            raise Invalid("Choose a role and enter the approver's name.")
        return str(role), name


class RevokeModal(Dialog):
    """Revoke a recorded approval; a reason is mandatory (it goes to the audit trail)."""

    OK = "Revoke"

    def __init__(self, roles: list[tuple[str, str]], role: str = "", check: Check | None = None) -> None:
        super().__init__(check)
        self.roles = roles
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else known[0]

    def compose_fields(self) -> ComposeResult:
        yield Label("Revoke an approval", classes="dialog-title")
        yield Select([(label, role_id) for role_id, label in self.roles], id="role", value=self.role,
                     allow_blank=False)
        yield Label("Reason (required)")
        yield Input(id="reason", placeholder="what changed since it was signed")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def value(self) -> tuple[str, str]:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise Invalid("Revoking needs a reason.")
        return str(self.query_one("#role", Select).value), reason


class GoLiveModal(Dialog):
    """Record the go-live moment; on NO-GO only with a typed reason (audited)."""

    OK = "Record go-live"

    def __init__(self, go: bool, reasons: list[str], check: Check | None = None) -> None:
        super().__init__(check)
        self.go, self.reasons = go, reasons

    def compose_fields(self) -> ComposeResult:
        if self.go:
            yield Static("GO holds. Record the go-live moment now?", classes="dialog-title")
        else:
            yield Static("NO-GO. Recording go-live anyway is audited. Blocking:", classes="dialog-title")
            with VerticalScroll(classes="reasons"):
                yield Static("\n".join(f"• {safe_line(r)}" for r in self.reasons), markup=False)
            yield Label("Reason to force (required)")
            yield Input(id="reason")

    def on_mount(self) -> None:
        self.query_one("#ok" if self.go else "#reason").focus()

    def value(self) -> str:
        if self.go:
            return ""
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise Invalid("Forcing a NO-GO go-live needs a reason.")
        return reason
