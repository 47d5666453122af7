"""Recording against items from the cockpit: every change is an `actions` call run through the
session.

The guard rails are the core's (`actions`): the cockpit asks what they need before it
writes — a reason for an override or a P1 n/a, a confirmation when the change makes
fresh approvals stale or when the item is waived — and shows what they refuse. Dialogs
get a `check` that makes the change and returns the error to show, so a refused change
(a past waiver date, a conflict) keeps the dialog open with what was typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from textual.app import App

from .. import actions
from ..actor import Actor
from ..cockpit import Cockpit
from ..decision import outcome
from ..errors import GoliveError
from ..model import Item
from ..session import Session
from ..state import Change, ConflictError
from ..text import safe_line, shorten
from .modals.base import ConfirmModal
from .modals.record import NoteModal, ReasonModal, WaiveModal

READ_ONLY = "read-only: nothing can be changed in this session"


class Recorder:
    def __init__(self, app: App[Any], cockpit: Cockpit) -> None:
        self.app, self.cockpit = app, cockpit

    @property
    def session(self) -> Session:
        return self.cockpit.session

    @property
    def actor(self) -> Actor:
        return self.session.actor

    def writable(self) -> bool:
        """False (and the captain told why) in a read-only session."""
        if self.cockpit.read_only:
            self.app.notify(READ_ONLY, severity="warning")
        return not self.cockpit.read_only

    # --- running one change ------------------------------------------------------------------
    async def run(self, change: Callable[[], Any], success: str | None = None) -> str | None:
        """Make one change in a thread, then redraw; the error's message, or None when it was
        made."""
        try:
            await asyncio.to_thread(self.cockpit.write, change)
        except GoliveError as exc:
            self.cockpit.changed()  # a refused change may still have read a newer record
            return safe_line(exc)
        if success:
            self.app.notify(success, timeout=3)
        self.cockpit.changed()
        return None

    def save(self, change: Callable[[], Any], success: str | None = None) -> None:
        """Fire and forget: an error becomes a notification."""

        async def job() -> None:
            error = await self.run(change, success)
            if error:
                self.app.notify(error, severity="error", timeout=8)

        if self.writable():
            self.app.run_worker(job(), group="write")

    def checked(
        self,
        make: Callable[[Any], Callable[[], Any]],
        success: Callable[[Any], str] | str | None = None,
    ) -> Callable[[Any], Awaitable[str | None]]:
        """A dialog's `check`: the change built from the dialog's value, run, its error returned."""

        async def check(value: Any) -> str | None:
            said = success(value) if callable(success) else success
            return await self.run(make(value), said)

        return check

    def confirm_then(self, question: str, ok: str, then: Callable[[], None]) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmModal(question, ok), answer)

    # --- status ------------------------------------------------------------------------------
    def mark(
        self, item: Item, status: str, *, override: str | None = None, reason: str | None = None
    ) -> None:
        """Attest an item, asking first whatever the guard rails need (reason, override, stale
        approvals)."""
        if not self.writable():
            return
        state, checklist, now = self.session.state, self.session.checklist, self.cockpit.now()
        waived = outcome(item, state.item(item.key), now).state == "waived"
        try:
            change = actions.mark_change(
                item, status, self.actor, state=state, override=override, note=reason
            )
        except actions.NeedsOverride as exc:
            self.app.push_screen(
                ReasonModal(
                    f"{safe_line(item.title)}: the last probe says {exc.verdict} "
                    f"({shorten(safe_line(exc.summary), 120)}). Marking it {status} is an "
                    f"override, recorded and shown as one. Why is it {status} anyway?",
                    "Override",
                ),
                lambda why: self.mark(item, status, override=why, reason=reason) if why else None,
            )
            return
        except actions.NeedsReason:
            self.app.push_screen(
                ReasonModal(
                    f"{safe_line(item.title)} is P1: marking it n/a needs the reason it does "
                    "not apply.",
                    "Mark n/a",
                ),
                lambda why: self.mark(item, status, override=override, reason=why) if why else None,
            )
            return
        except GoliveError as exc:
            self.app.notify(safe_line(exc), severity="error", timeout=8)
            return
        changes = ([Change(f"item:{item.key}", "unwaive", {}, ["waiver"])] if waived else []) + [
            change
        ]
        stale = actions.invalidated_approvals(checklist, state, changes)
        questions = []
        waiver = state.item(item.key).waiver
        if waived and waiver is not None:
            questions.append(
                f"{safe_line(item.title)} is waived until {waiver.until:%Y-%m-%d} "
                f"({shorten(safe_line(waiver.reason), 60)}): lift the waiver and mark it {status}?"
            )
        if stale:
            questions.append(
                f"This invalidates {len(stale)} approval{'s' if len(stale) > 1 else ''}: "
                f"{', '.join(stale)}."
            )

        def write() -> None:
            def both() -> None:
                if waived:
                    actions.unwaive(self.session.store, item, actor=self.actor)
                actions.mark(
                    self.session.store,
                    item,
                    status,
                    actor=self.actor,
                    override=override,
                    reason=reason,
                )

            self.save(
                both,
                (
                    f"{'override recorded: ' if override else ''}{shorten(item.title, 40)} "
                    f"marked {status}"
                )
                if override or stale or waived
                else None,
            )

        if questions:
            self.confirm_then(
                " ".join(questions), "Lift and mark" if waived else f"Mark {status}", write
            )
        else:
            write()

    def cycle(self, item: Item) -> None:
        """The next status in the cycle, as shown now, through the same guard rails as the status
        keys."""
        current = self.session.state.item(item.key).status
        cycle = actions.STATUS_CYCLE
        self.mark(item, cycle[(cycle.index(current) + 1) % len(cycle)])

    # --- note, evidence, waiver -----------------------------------------------------------------
    def edit_note(self, item: Item) -> None:
        if not self.writable():
            return
        istate = self.session.state.item(item.key)
        seen = {"note": istate.note, "evidence": istate.evidence}
        """What the dialog was opened on: if another captain changes it meanwhile, both are
        shown."""

        def change(value: tuple[str, str]) -> Callable[[], Any]:
            note, evidence = value

            def annotate() -> None:
                try:
                    # Only what the user changed is written, so a concurrent edit of the other field
                    # survives.
                    actions.annotate(
                        self.session.store,
                        item,
                        actor=self.actor,
                        seen=dict(seen),
                        note=note if note != seen["note"] else None,
                        evidence=evidence if evidence != seen["evidence"] else None,
                    )
                except ConflictError as exc:
                    theirs = self.session.store.read().item(item.key)
                    seen.update(
                        note=theirs.note, evidence=theirs.evidence
                    )  # a second save replaces theirs, knowingly
                    parts = [
                        (
                            f"{name}: theirs {safe_line(shorten(t, 60))!r}, yours "
                            f"{safe_line(shorten(m, 60))!r}"
                        )
                        for _, name, t, m in exc.conflicts
                    ]
                    raise GoliveError(
                        "another captain changed this since you opened it — "
                        + "; ".join(parts)
                        + ". Enter saves yours over theirs; esc keeps theirs."
                    ) from None

            return annotate

        self.app.push_screen(
            NoteModal(
                item.title, seen["note"], seen["evidence"], self.checked(change, "note saved")
            )
        )

    def waive(self, item: Item) -> None:
        if not self.writable():
            return
        state, now = self.session.state, self.cockpit.now()
        waiver = state.item(item.key).waiver
        if waiver is not None and waiver.until > now:
            self.confirm_then(
                f"{safe_line(item.title)} is waived until {waiver.until:%Y-%m-%d} by "
                f"{safe_line(waiver.by)} ({shorten(safe_line(waiver.reason), 60)}). Lift the "
                "waiver?",
                "Lift waiver",
                lambda: self.save(
                    lambda: actions.unwaive(self.session.store, item, actor=self.actor),
                    "waiver lifted",
                ),
            )
            return

        def change(value: tuple[str, datetime]) -> Callable[[], Any]:
            reason, until = value
            return lambda: actions.waive(
                self.session.store, item, reason=reason, until=until, actor=self.actor
            )

        self.app.push_screen(
            WaiveModal(
                item.title,
                now,
                self.checked(change, lambda v: f"waived until {v[1]:%Y-%m-%d %H:%M} UTC"),
            )
        )

    # --- reports -----------------------------------------------------------------------------
    def export(self, fmt: str = "html") -> None:
        """A report of the record as it is now, to a file the dialog asks for (the cockpit's stdout
        is the screen)."""
        from pathlib import Path

        from .modals.record import ExportModal

        if not self.writable():
            return
        session = self.session

        async def write(value: tuple[str, str]) -> str | None:
            chosen, typed = value
            path = (
                Path(typed).expanduser().resolve()
            )  # said in full: the cockpit's working directory is not on screen

            def render_and_write() -> None:
                from ..report import render

                text = render(
                    chosen, session.checklist, session.state, session.profile, self.cockpit.now()
                )
                Path(path).write_text(
                    text if text.endswith("\n") else text + "\n", encoding="utf-8"
                )

            try:
                await asyncio.to_thread(render_and_write)
            except OSError as exc:
                return f"cannot write {path}: {exc.strerror or exc}"
            except GoliveError as exc:
                return safe_line(exc)
            self.app.notify(f"{chosen} report written to {path}", timeout=5)
            return None

        self.app.push_screen(ExportModal(fmt, write))
