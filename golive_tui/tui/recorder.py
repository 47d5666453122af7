"""Recording from the cockpit: every change is an `actions` call run through the session.

Dialogs get a `check` that makes the change and returns the error to show, so a refused
change (a past waiver date, a conflict, a rule of the core) keeps the dialog open with
what was typed. Nothing here decides what is allowed: `actions` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import actions
from ..errors import GoliveError
from ..model import Item
from ..text import safe_line
from .modals.record import ExportModal, NoteModal, WaiveModal
from .modals.signoff import ApproveModal, GoLiveModal, RevokeModal

if TYPE_CHECKING:
    from .app import GoliveApp


class Recorder:
    def __init__(self, app: GoliveApp) -> None:
        self.app = app

    @property
    def session(self):
        return self.app.session

    @property
    def actor(self):
        return self.session.actor

    # --- running one change ------------------------------------------------------------------
    async def run(self, change: Callable[[], Any], success: str | None = None) -> str | None:
        """Make one change in a thread, then redraw; the error's message, or None when it was made."""
        try:
            await asyncio.to_thread(self.session.write, change)
        except GoliveError as exc:
            self.app.refresh_screens()
            return safe_line(exc)
        if success:
            self.app.notify(success, timeout=3)
        self.app.refresh_screens()
        return None

    def save(self, change: Callable[[], Any], success: str | None = None) -> None:
        """Fire and forget: an error becomes a notification."""

        async def job() -> None:
            error = await self.run(change, success)
            if error:
                self.app.notify(error, severity="error", timeout=8)

        if self.app.writable():
            self.app.run_worker(job(), group="write")

    def checked(self, make: Callable[[Any], Callable[[], Any]], success: Callable[[Any], str] | str | None = None):
        """A dialog's `check`: the change built from the dialog's value, run, its error returned."""

        async def check(value: Any) -> str | None:
            said = success(value) if callable(success) else success
            return await self.run(make(value), said)

        return check

    # --- items -------------------------------------------------------------------------------
    def mark(self, item: Item, status: str) -> None:
        self.save(lambda: actions.mark(self.session.store, item, status, actor=self.actor))

    def cycle(self, item: Item) -> None:
        self.save(lambda: actions.cycle_status(self.session.store, item, actor=self.actor))

    def edit_note(self, item: Item) -> None:
        if not self.app.writable():
            return
        istate = self.session.state.item(item.key)
        seen_note, seen_evidence = istate.note, istate.evidence

        def change(value: tuple[str, str]) -> Callable[[], Any]:
            note, evidence = value
            # Only what the user changed is written, so a concurrent edit of the other field survives.
            return lambda: actions.annotate(self.session.store, item, actor=self.actor,
                                            note=note if note != seen_note else None,
                                            evidence=evidence if evidence != seen_evidence else None)

        self.app.push_screen(NoteModal(item.title, seen_note, seen_evidence, self.checked(change, "note saved")))

    def waive(self, item: Item) -> None:
        if not self.app.writable():
            return

        def change(value) -> Callable[[], Any]:
            reason, until = value
            return lambda: actions.waive(self.session.store, item, reason=reason, until=until, actor=self.actor)

        self.app.push_screen(WaiveModal(item.title, self.app.now(),
                                        self.checked(change, lambda v: f"waived until {v[1]:%Y-%m-%d}")))

    # --- sign-off ----------------------------------------------------------------------------
    def approve(self, role_id: str = "") -> None:
        if not self.app.writable():
            return
        checklist = self.session.checklist
        decision = self.app.decision()
        if not role_id:  # first role still to (re)sign
            role_id = next((v.role_id for v in decision.approvals if v.state != "fresh"), "")
        roles = [(r.id, r.role) for r in checklist.approval]
        if not roles:
            self.app.notify("this checklist names no approval roles", severity="warning")
            return

        def change(value) -> Callable[[], Any]:
            role, name = value
            return lambda: actions.approve(self.session.store, checklist, role, name=name, actor=self.actor)

        self.app.push_screen(ApproveModal(roles, decision.signature, self.actor.name.split("@")[0], role_id,
                                          operator=str(self.actor.operator),
                                          check=self.checked(change, lambda v: f"approved as {v[0]}")))

    def revoke(self, role_id: str = "") -> None:
        if not self.app.writable():
            return
        state, checklist = self.session.state, self.session.checklist
        recorded = [(r.id, r.role) for r in checklist.approval
                    if r.id in state.approvals and state.approvals[r.id].revoked_at is None]
        if not recorded:
            self.app.notify("no approval to revoke", timeout=3)
            return

        def change(value) -> Callable[[], Any]:
            role, reason = value
            return lambda: actions.revoke(self.session.store, checklist, role, reason=reason, actor=self.actor)

        self.app.push_screen(RevokeModal(recorded, role_id, self.checked(change, lambda v: f"approval {v[0]} revoked")))

    def go_live(self) -> None:
        if not self.app.writable():
            return
        meta = self.session.state.meta
        if meta.golive_at is not None:
            self.app.notify(f"go-live already recorded at {meta.golive_at:%Y-%m-%d %H:%M} UTC", timeout=4)
            return
        decision = self.app.decision()

        def change(reason: str) -> Callable[[], Any]:
            return lambda: actions.go_live(self.session.store, self.session.checklist, force_reason=reason,
                                           actor=self.actor)

        self.app.push_screen(GoLiveModal(decision.go, decision.reasons, self.checked(change, "go-live recorded")))

    # --- reports -----------------------------------------------------------------------------
    def export(self, fmt: str = "html") -> None:
        """A report of the record as it is now, to a file the dialog asks for (the cockpit's own stdout is the screen)."""
        session = self.session

        async def write(value: tuple[str, str]) -> str | None:
            chosen, path = value

            def render_and_write() -> None:
                from ..report import render

                text = render(chosen, session.checklist, session.state, session.profile, self.app.now())
                Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

            try:
                await asyncio.to_thread(render_and_write)
            except OSError as exc:
                return f"cannot write {path}: {exc.strerror or exc}"
            except GoliveError as exc:
                return safe_line(exc)
            self.app.notify(f"{chosen} report written to {path}", timeout=5)
            return None

        self.app.push_screen(ExportModal(fmt, write))
