"""Dialogs of approvals from anywhere: write a review request for a role, paste the approver's
signature."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static, TextArea

from .base import Invalid
from .signoff import RoleDialog


class RequestModal(RoleDialog):
    """Write a review request for a role to a file (and the clipboard) for the approver to sign with
    ssh-keygen."""

    OK = "Write request"

    def compose_fields(self) -> ComposeResult:
        yield Label("Ask an approver to sign, from anywhere", classes="dialog-title")
        yield self.role_select()
        yield Label(
            "Request file (the approver signs it with: ssh-keygen -Y sign -n golive -f KEY FILE)"
        )
        yield Input(f"golive-request-{self.role}.txt", id="path")

    def on_select_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        if path.value.startswith("golive-request-"):
            path.value = f"golive-request-{event.value}.txt"

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def value(self) -> tuple[str, str]:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise Invalid("Name the file to write the request to.")
        return str(self.query_one("#role", Select).value), path


class SignatureModal(RoleDialog):
    """Import an approver's signature: pasted here (it is text), over the request file written
    before."""

    OK = "Import"

    def compose_fields(self) -> ComposeResult:
        yield Label("Import a signed review request", classes="dialog-title")
        yield self.role_select()
        yield Label("Request file that was signed")
        yield Input(f"golive-request-{self.role}.txt", id="path")
        yield Label(
            "Paste the signature (FILE.sig: -----BEGIN SSH SIGNATURE----- …); empty: read FILE.sig"
        )
        yield TextArea(id="signature", soft_wrap=True, show_line_numbers=False)
        yield Static(
            "Verified against the allowed-signers file; recorded as the signer's own approval.",
            classes="signature",
            markup=False,
        )

    def on_mount(self) -> None:
        self.query_one("#signature", TextArea).focus()

    def value(self) -> tuple[str, str, str]:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise Invalid("Name the request file that was signed.")
        return (
            str(self.query_one("#role", Select).value),
            path,
            self.query_one("#signature", TextArea).text.strip(),
        )
