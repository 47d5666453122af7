"""The sign-off screen's approvals from anywhere: write a review request (s), paste the approver's
signature (i). Real keys and the approver's side with plain `ssh-keygen -Y sign`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from textual.widgets import TextArea

from golive_tui.profile import Profile
from golive_tui.tui.modals.review import RequestModal, SignatureModal

from .helpers import fill, settle, swept, text_of, wait_until

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen"
)


def keygen(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path


async def test_a_request_written_and_its_pasted_signature_imported_from_the_signoff_screen(
    app_factory, probed_checklist, store, tmp_path
) -> None:
    alice, mallory = keygen(tmp_path / "keys" / "alice"), keygen(tmp_path / "keys" / "mallory")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'alice namespaces="golive" {alice.with_suffix(".pub").read_text()}')
    profile = Profile.model_validate({"signoff": {"allowed_signers": str(allowed)}})
    app = app_factory(probed_checklist, profile=profile)
    request = tmp_path / "sec-request.txt"
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("3", "j", "s")  # the second role: Security Lead
        await wait_until(pilot, lambda: isinstance(app.screen, RequestModal))
        await fill(pilot, "#path", str(request))
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, RequestModal)
        assert "Role:         Security Lead (sec)" in request.read_text()

        # Mallory's key is not in allowed-signers: refused, the dialog stays with the reason.
        for key, expected in ((mallory, "unknown key"), (alice, "")):
            subprocess.run(
                ["ssh-keygen", "-Y", "sign", "-n", "golive", "-f", str(key), str(request)],
                check=True,
                capture_output=True,
            )
            signature = request.with_name(request.name + ".sig")
            pasted = signature.read_text()
            signature.unlink()
            if not isinstance(app.screen, SignatureModal):
                await pilot.press("i")
                await wait_until(pilot, lambda: isinstance(app.screen, SignatureModal))
                await fill(pilot, "#path", str(request))
            app.screen.query_one(
                "#signature", TextArea
            ).text = pasted  # as a terminal's paste puts it there
            await pilot.click("#ok")
            await settle(pilot)
            if expected:
                assert isinstance(app.screen, SignatureModal) and expected in text_of(app, "#error")
        assert not isinstance(app.screen, SignatureModal)
        approval = store.read().approvals["sec"]
        assert (
            approval.principal == "alice"
            and not approval.proxy
            and approval.request.startswith("golive review request")
        )


async def test_a_hanging_webhook_never_delays_a_watch_sweep_and_its_failure_is_shown_once(
    probe_kinds, store, tmp_path, monkeypatch
) -> None:
    """The cockpit's store tells the team's channel of each saved batch; the receiver hangs: sweeps
    go on."""
    import time

    from golive_tui.notify import with_notifications
    from golive_tui.sandbox.tls import SandboxCA
    from golive_tui.sandbox.webhook import WebhookReceiver
    from golive_tui.signoff import Trust
    from golive_tui.tui.app import make_app

    from .conftest import FLIP, mini_with_probes
    from .helpers import notes

    ca = SandboxCA(tmp_path / "ca")
    receiver = WebhookReceiver(ca)
    receiver.mode = "hang"
    monkeypatch.setenv("GOLIVE_SECRET_NOTIFY_SLACK", receiver.url)
    try:
        checklist = mini_with_probes(
            {
                key: [{"kind": "test.flip"}]
                for key in (
                    "go-live.infra.cluster",
                    "go-live.infra.rollback",
                    "security.waf",
                    "performance.p95",
                )
            }
        )
        profile = Profile.model_validate(
            {
                "http": {"ca_bundle": str(ca.bundle)},
                "notify": {"slack_webhook_secret": "notify-slack", "timeout": 3},
            }
        )
        notices: list[str] = []
        wrapped = with_notifications(
            store,
            profile,
            checklist,
            Trust.of(checklist),
            on_failure=notices.append,
            close_at_exit=False,
        )
        app = make_app(checklist, profile, wrapped)
        app.session.notices = notices
        FLIP.update({item.key: "pass" for item in checklist.items()})
        async with app.run_test(size=(120, 34)) as pilot:
            for verdict in (
                "pass",
                "fail",
                "pass",
                "fail",
            ):  # each sweep regresses or recovers every row
                FLIP.update({item.key: verdict for item in checklist.items()})
                started = time.monotonic()
                await pilot.press("R")
                await swept(pilot, timeout=10)
                assert time.monotonic() - started < 3, "a sweep waited for the webhook deadline"
            await wait_until(
                pilot, lambda: any("no answer within 3 s" in n for n in notes(app)), timeout=20
            )
            assert receiver.attempts >= 1
            assert (
                sum("notification not sent" in n for n in notes(app)) == 1
            )  # once, not once per message
    finally:
        receiver.stop()
