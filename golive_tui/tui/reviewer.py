"""Approvals from anywhere, from the sign-off screen: write a review request (to a file and the
clipboard), import the approver's signature by pasting it. The work is the core's
(actions.write_request, actions.import_signature); refusals stay in the dialog with their reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import actions
from .approving import Approving
from .modals.review import RequestModal, SignatureModal


def _roles(approving: Approving) -> list[tuple[str, str]]:
    return [(r.id, r.role) for r in approving.session.checklist.approval]


def request_review(approving: Approving, role_id: str = "") -> None:
    app, session = approving.app, approving.session
    if not _roles(approving):
        app.notify("this checklist names no approval roles", severity="warning")
        return

    def change(value: tuple[str, str]) -> Callable[[], Any]:
        role, path = value

        def write() -> Any:
            written = actions.write_request(
                session.store,
                session.checklist,
                role,
                Path(path).expanduser(),
                target=session.profile.target.name,
                actor=session.actor,
                trust=session.trust,
            )
            app.call_from_thread(
                app.copy_to_clipboard, written.text
            )  # paste it in the chat as it is
            _tell_team(session, written.request)
            return written

        return write

    def said(v: tuple[str, str]) -> str:
        return (
            f"review request written to {v[1]} and copied: the approver signs it and sends back "
            f"{Path(v[1]).name}.sig"
        )

    app.push_screen(
        RequestModal(_roles(approving), role_id, approving.recorder.checked(change, said))
    )


def import_signature(approving: Approving, role_id: str = "") -> None:
    if not approving.recorder.writable() or not _roles(approving):
        return
    app, session = approving.app, approving.session

    def change(value: tuple[str, str, str]) -> Callable[[], Any]:
        role, path, pasted = value

        def record() -> Any:
            from ..actions.approvals_signed import read_signature
            from ..errors import GoliveError

            request = Path(path).expanduser()
            try:
                text = request.read_text()
            except (OSError, UnicodeDecodeError) as exc:
                raise GoliveError(
                    f"{request}: cannot read the review request: "
                    f"{getattr(exc, 'strerror', None) or exc}"
                ) from None
            signature = (
                pasted + "\n"
                if pasted
                else read_signature(request.with_name(request.name + ".sig"))
            )
            return actions.import_signature(
                session.store,
                session.checklist,
                role,
                text,
                signature,
                actor=session.actor,
                trust=session.trust,
            )

        return record

    app.push_screen(
        SignatureModal(
            _roles(approving),
            role_id,
            approving.recorder.checked(change, lambda v: f"signed approval of {v[0]} recorded"),
        )
    )


def _tell_team(session: Any, request: Any) -> None:
    from ..notify.events import approval_requested
    from ..notify.hooks import notifier_of

    notifier = notifier_of(session.store)
    if notifier is not None:
        notifier.submit(approval_requested(request, session.actor.now()))
