"""Approving from the cockpit, as dialogs over `actions`: approve (own, proxy with evidence, signed
through ssh-agent), revoke, and the go-live moment — forced only by a reason and a second
operator's confirmation. (signoff.py, in the core, says who really approved.)

Who may sign what is the core's to say (`actions.approve`, `actions.confirm_forced_go_live`):
the dialogs show who records it and what kind of approval it is, and what the core refuses.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App

from .. import actions
from ..cockpit import Cockpit
from ..session import Session
from ..text import safe_line
from .modals.base import ConfirmModal
from .modals.signoff import ApproveModal, GoLiveModal, RevokeModal
from .recorder import Recorder


class Approving:
    def __init__(self, app: App[Any], cockpit: Cockpit, recorder: Recorder) -> None:
        self.app, self.cockpit, self.recorder = app, cockpit, recorder
        self._keys = tempfile.TemporaryDirectory(prefix="golive-agent-")
        """Where an ssh-agent key's public half is written for ssh-keygen (never a private key)."""

    @property
    def session(self) -> Session:
        return self.cockpit.session

    def approve(self, role_id: str = "") -> None:
        if self.recorder.writable():
            self.app.run_worker(self._approve(role_id), group="approve")

    async def _approve(self, role_id: str) -> None:
        from .. import signing
        from ..signoff import is_own

        checklist, actor = self.session.checklist, self.session.actor
        decision = self.cockpit.decision()
        if not role_id:  # first role still to (re)sign
            role_id = next((v.role_id for v in decision.approvals if v.state != "fresh"), "")
        roles = [(r.id, r.role) for r in checklist.approval]
        if not roles:
            self.app.notify("this checklist names no approval roles", severity="warning")
            return
        agent = await asyncio.to_thread(signing.agent_keys)  # `ssh-add -L`: off the event loop
        key = signing.agent_key_file(agent[0], Path(self._keys.name)) if agent else None

        def change(value: tuple[str, str, str, bool]) -> Callable[[], Any]:
            role, name, evidence, sign = value
            # A name that is not the operator's own is the approver's principal: a proxy (or their
            # signature).
            return lambda: actions.approve(
                self.session.store,
                checklist,
                role,
                name=name,
                actor=actor,
                principal=None if is_own(name, actor.operator) else name,
                evidence=evidence or None,
                sign_key=key if sign else None,
                trust=self.session.trust,
            )

        self.app.push_screen(
            ApproveModal(
                roles,
                decision.signature,
                actor.operator.user,
                role_id,
                operator=str(actor.operator),
                own=lambda name: is_own(name, actor.operator),
                agent_key=agent[0] if agent else "",
                check=self.recorder.checked(change, lambda v: f"approved as {v[0]}"),
            )
        )

    def revoke(self, role_id: str = "") -> None:
        if not self.recorder.writable():
            return
        state, checklist = self.session.state, self.session.checklist
        recorded = [
            (r.id, r.role)
            for r in checklist.approval
            if r.id in state.approvals and state.approvals[r.id].revoked_at is None
        ]
        if not recorded:
            self.app.notify("no approval to revoke", timeout=3)
            return

        def change(value: tuple[str, str]) -> Callable[[], Any]:
            role, reason = value
            return lambda: actions.revoke(
                self.session.store, checklist, role, reason=reason, actor=self.session.actor
            )

        self.app.push_screen(
            RevokeModal(
                recorded,
                role_id,
                self.recorder.checked(change, lambda v: f"approval {v[0]} revoked"),
            )
        )

    def go_live(self) -> None:
        """Record the go-live moment; on NO-GO ask for a forced one, which a second operator
        confirms."""
        if not self.recorder.writable():
            return
        meta, actor = self.session.state.meta, self.session.actor
        store, checklist, trust = self.session.store, self.session.checklist, self.session.trust
        if meta.golive_at is not None:
            self.app.notify(
                f"go-live already recorded at {meta.golive_at:%Y-%m-%d %H:%M} UTC", timeout=4
            )
            return
        request = meta.force_request
        if request is not None:
            question = (
                f"A forced go-live was asked for by {safe_line(request.by)} at "
                f"{request.at:%H:%M} UTC: {safe_line(request.reason)}. Confirm it as "
                f"{actor.operator}? The go-live moment is recorded now."
            )
            self.app.push_screen(
                ConfirmModal(
                    question,
                    "Confirm go-live",
                    danger=True,
                    check=self.recorder.checked(
                        lambda _: (
                            lambda: actions.confirm_forced_go_live(
                                store, checklist, actor=actor, trust=trust
                            )
                        ),
                        "forced go-live confirmed: LIVE",
                    ),
                )
            )
            return
        decision = self.cockpit.decision()

        def change(reason: str) -> Callable[[], Any]:
            return lambda: actions.go_live(
                store, checklist, force_reason=reason, actor=actor, trust=trust
            )

        said = (
            "go-live recorded"
            if decision.go
            else (
                "forced go-live requested: a second operator confirms it (L on the sign-off screen)"
            )
        )
        self.app.push_screen(
            GoLiveModal(decision.go, decision.reasons, self.recorder.checked(change, said))
        )
