"""Dialogs that record against an item: note and evidence, waiver, a reason, a conflict, an
export."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from ...errors import GoliveError
from ...text import safe_line
from ...until import parse_until
from .base import Check, Dialog, Invalid


class NoteModal(Dialog):
    """Edit an item's note and evidence (text, link, or a file path whose SHA-256 is recorded)."""

    def __init__(self, title: str, note: str, evidence: str, check: Check | None = None) -> None:
        super().__init__(check)
        self.item_title, self.note, self.evidence = title, note, evidence
        """The values the dialog was opened on: a change underneath is detected on save."""

    def compose_fields(self) -> ComposeResult:
        yield Label(
            f"Note and evidence — {safe_line(self.item_title)}",
            classes="dialog-title",
            markup=False,
        )
        yield Label("Note")
        yield Input(self.note, id="note", placeholder="what was done, by whom, where")
        yield Label("Evidence (text, link or file path)")
        yield Input(self.evidence, id="evidence", placeholder="https://… or /path/to/report.pdf")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def value(self) -> tuple[str, str]:
        return self.query_one("#note", Input).value, self.query_one("#evidence", Input).value


class WaiveModal(Dialog):
    """Waive an item until a date; a reason is mandatory; a refused date keeps the dialog open."""

    OK = "Waive"

    def __init__(
        self, title: str, now: datetime, check: Check | None = None, *, days: int = 7
    ) -> None:
        super().__init__(check)
        self.item_title = title
        self.now = now
        self.default_until = (now + timedelta(days=days)).strftime("%Y-%m-%d")

    def compose_fields(self) -> ComposeResult:
        yield Label(f"Waive — {safe_line(self.item_title)}", classes="dialog-title", markup=False)
        yield Label("Reason (required)")
        yield Input(id="reason", placeholder="why this may go live without it")
        yield Label("Until (+2h, 18:30, a date or date and time; UTC)")
        yield Input(self.default_until, id="until", placeholder="+2h, 18:30 or 2026-12-31")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def value(self) -> tuple[str, datetime]:
        reason = self.query_one("#reason", Input).value.strip()
        raw = self.query_one("#until", Input).value.strip()
        if not reason:
            raise Invalid("A waiver needs a reason.")
        try:
            now = (
                self.app.now() if hasattr(self.app, "now") else self.now
            )  # +2h counts from the submit, not the open
            return reason, parse_until(raw, now)
        except GoliveError as exc:
            raise Invalid(str(exc)) from None


class ReasonModal(Dialog):
    """One reason, required, for a change that needs one said out loud (an override, a P1 n/a)."""

    def __init__(
        self, question: str, ok: str, check: Check | None = None, *, placeholder: str = ""
    ) -> None:
        super().__init__(check)
        self.question, self.OK, self.placeholder = question, ok, placeholder

    def compose_fields(self) -> ComposeResult:
        yield Static(self.question, classes="dialog-title", markup=False)
        yield Label("Reason (required, recorded in the audit trail)")
        yield Input(id="reason", placeholder=self.placeholder)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def value(self) -> str:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise Invalid("A reason is required.")
        return reason


FORMATS = (
    ("HTML (self-contained page)", "html"),
    ("Markdown (the seed's layout)", "markdown"),
    ("JSON", "json"),
    ("JUnit XML", "junit"),
)
SUFFIX = {"html": "html", "markdown": "md", "json": "json", "junit": "xml"}


class ExportModal(Dialog):
    """Write a report to a file: the format and the path it goes to (an existing file needs a second
    Enter)."""

    OK = "Export"

    def __init__(
        self, fmt: str, check: Check | None = None, *, stem: str = "golive-report"
    ) -> None:
        super().__init__(check)
        self.fmt, self.stem = fmt, stem
        self.confirmed_overwrite = ""

    def compose_fields(self) -> ComposeResult:
        yield Label("Export the report", classes="dialog-title")
        yield Select(FORMATS, id="format", value=self.fmt, allow_blank=False)
        yield Label("Write to (a file path)")
        yield Input(f"{self.stem}.{SUFFIX[self.fmt]}", id="path")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#path", Input)
        old = SUFFIX[self.fmt]
        self.fmt = str(event.value)
        if box.value.endswith("." + old):
            box.value = box.value[: -len(old)] + SUFFIX[self.fmt]

    def value(self) -> tuple[str, str]:
        from pathlib import Path

        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise Invalid("Give the file to write.")
        target = Path(path).expanduser()
        if target.is_dir():
            raise Invalid(f"{path} is a directory: name the file to write in it.")
        if target.exists() and self.confirmed_overwrite != path:
            self.confirmed_overwrite = path
            raise Invalid(f"{path} exists: Enter again to replace it.")
        return self.fmt, str(target)
