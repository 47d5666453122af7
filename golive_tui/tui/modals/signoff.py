"""Dialogs of the sign-off: approve as a role, revoke an approval, record the go-live moment."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from ...text import safe_line, shorten
from .base import Check, Dialog, Invalid


class ApproveModal(Dialog):
    """Approve as a role: who records it, whether it is the approver's own or a proxy approval (then
    with evidence), whether it is signed with the ssh-agent key, and the digest being signed."""

    OK = "Approve"

    def __init__(
        self,
        roles: list[tuple[str, str]],
        signature: str,
        default_name: str,
        role: str = "",
        *,
        operator: str = "",
        own: Callable[[str], bool] | None = None,
        agent_key: str = "",
        check: Check | None = None,
    ) -> None:
        super().__init__(check)
        self.roles, self.signature, self.default_name, self.operator = (
            roles,
            signature,
            default_name,
            operator,
        )
        self.own, self.agent_key = own or (lambda name: True), agent_key
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else (known[0] if known else "")

    def compose_fields(self) -> ComposeResult:
        yield Label("Approve the go-live record", classes="dialog-title")
        yield Select(
            [(label, role_id) for role_id, label in self.roles],
            id="role",
            prompt="Role",
            value=self.role or Select.BLANK,
            allow_blank=False,
        )
        yield Label("Approver (their login, or their name for a proxy approval)")
        yield Input(self.default_name, id="name")
        yield Static("", id="recorded", classes="signature", markup=False)
        yield Input(id="evidence", placeholder="evidence of their yes, e.g. Slack #cutover 19:02")
        yield Checkbox(
            f"Sign with the ssh-agent key {shorten(self.agent_key, 40)}",
            value=True,
            id="sign",
            disabled=not self.agent_key,
            compact=True,
        )
        yield Static(
            f"Signs the state of every item: SHA-256 {self.signature}",
            id="digest",
            classes="signature",
            markup=False,
        )

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.query_one("#sign", Checkbox).display = bool(self.agent_key)
        self._kind()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "name":
            self._kind()

    def proxy(self) -> bool:
        name = self.query_one("#name", Input).value.strip()
        return bool(name) and not self.own(name)

    def _kind(self) -> None:
        proxy = self.proxy()
        if proxy:
            what = (
                f"PROXY approval: recorded by {safe_line(self.operator)} for someone else "
                "— give evidence of their yes"
            )
        else:
            what = f"Your own approval, recorded by {safe_line(self.operator)}"
        self.query_one("#recorded", Static).update(what)
        self.query_one("#evidence", Input).display = proxy

    def value(self) -> tuple[str, str, str, bool]:
        role = self.query_one("#role", Select).value
        name = self.query_one("#name", Input).value.strip()
        if role is Select.BLANK or not name:
            raise Invalid("Choose a role and enter the approver.")
        evidence = self.query_one("#evidence", Input).value.strip() if self.proxy() else ""
        sign = bool(self.agent_key) and self.query_one("#sign", Checkbox).value
        return str(role), name, evidence, sign


class RoleDialog(Dialog):
    """A dialog about one of the checklist's approval roles, chosen in a Select (the highlighted
    role first)."""

    def __init__(
        self, roles: list[tuple[str, str]], role: str = "", check: Check | None = None
    ) -> None:
        super().__init__(check)
        self.roles = roles
        known = [role_id for role_id, _ in roles]
        self.role = role if role in known else known[0]

    def role_select(self) -> Select[str]:
        return Select(
            [(label, role_id) for role_id, label in self.roles],
            id="role",
            value=self.role,
            allow_blank=False,
        )


class RevokeModal(RoleDialog):
    """Revoke a recorded approval; a reason is mandatory (it goes to the audit trail)."""

    OK = "Revoke"

    def compose_fields(self) -> ComposeResult:
        yield Label("Revoke an approval", classes="dialog-title")
        yield self.role_select()
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
            yield Static(
                "NO-GO. Recording go-live anyway is audited. Blocking:", classes="dialog-title"
            )
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
