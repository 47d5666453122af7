"""Pilot tests of the guard rails (issue 20) in the cockpit: the stale-approval warning, keys on a
waived item, overrides and P1 n/a reasons asked in a dialog, two captains editing one note, proxy
approvals with evidence, and approvals signed with the key ssh-agent holds."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime

import pytest
from textual.widgets import Checkbox, Input

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.engine import ItemResult
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.tui.modals.base import ConfirmModal
from golive_tui.tui.modals.record import NoteModal, ReasonModal
from golive_tui.tui.modals.signoff import ApproveModal
from golive_tui.tui.screens.main import MainScreen
from tests.people import person

from .conftest import mini_with_probes
from .helpers import cell, fill, settle, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


def failing(store, checklist, key: str, verdict: Verdict = Verdict.FAIL) -> None:
    actions.record_results(
        store,
        [ItemResult(checklist.item(key), ProbeResult(verdict, "2 of 3 nodes Ready"))],
        actor=Actor.current(),
    )


@SIZES
async def test_a_change_that_makes_approvals_stale_says_so_first(
    app_factory, probed_checklist, store, size
) -> None:
    actions.approve(store, probed_checklist, "eng", name="Erin", actor=person("erin"))
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("G", "k", "x")  # security.waf, failed
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "This invalidates 1 approval: Engineering Manager." in text_of(app, ".dialog-title")
        await pilot.press("escape")
        await settle(pilot)
        assert store.read().item("security.waf").status == "pending"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert store.read().item("security.waf").status == "failed"
        await pilot.press("d")  # no fresh approval left to invalidate: no question
        await settle(pilot)
        assert (
            isinstance(app.screen, MainScreen)
            and store.read().item("security.waf").status == "done"
        )


@SIZES
async def test_status_keys_on_a_waived_item_act_on_the_waiver_after_asking(
    app_factory, probed_checklist, store, size
) -> None:
    item = probed_checklist.item("go-live.infra.cluster")
    actions.waive(
        store, item, reason="audited", until=datetime(2099, 1, 1, tzinfo=UTC), actor=Actor.current()
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        for key in ("space", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmModal), key
            assert "is waived until 2099-01-01 (audited): lift the waiver and mark it" in text_of(
                app, ".dialog-title"
            )
            await pilot.press("n")
            await settle(pilot)
            record = store.read().item(item.key)
            assert record.waiver is not None and record.status == "pending", (
                key
            )  # nothing cycled behind the waiver
        await pilot.press("d", "y")
        await settle(pilot)
        record = store.read().item(item.key)
        assert record.waiver is None and record.status == "done"
        assert cell(app, item.key, "status") == "✓ done"


async def test_w_on_a_waived_item_lifts_the_waiver_after_asking(
    app_factory, probed_checklist, store
) -> None:
    item = probed_checklist.item("security.waf")
    actions.waive(
        store, item, reason="audited", until=datetime(2099, 1, 1, tzinfo=UTC), actor=Actor.current()
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("G", "k", "w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "Lift the waiver?" in text_of(
            app, ".dialog-title"
        )
        await pilot.press("y")
        await settle(pilot)
        assert store.read().item(item.key).waiver is None


@SIZES
async def test_done_over_a_failing_probe_is_an_override_with_its_reason(
    app_factory, probe_kinds, store, size
) -> None:
    from .conftest import FLIP

    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.flip"}]})
    FLIP["go-live.infra.cluster"] = "fail"
    app = app_factory(checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("p")
        await wait_until(
            pilot, lambda: store.read().item("go-live.infra.cluster").probe is not None
        )
        await wait_until(pilot, lambda: not app.cockpit.running)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ReasonModal) and "the last probe says fail" in text_of(
            app, ".dialog-title"
        )
        await pilot.press("enter")
        await pilot.pause()
        assert "A reason is required." in text_of(app, "#error")
        await pilot.press("escape")
        await settle(pilot)
        assert store.read().item("go-live.infra.cluster").status == "failed"
        await pilot.press("d", *"node 3 drained for the upgrade", "enter")
        await settle(pilot)
        record = store.read().item("go-live.infra.cluster")
        assert (
            record.status == "done" and record.override.reason == "node 3 drained for the upgrade"
        )
        assert cell(app, "go-live.infra.cluster", "status") == "✓ done!"
        assert "Override: node 3 drained for the upgrade" in text_of(app, "#detail")
        await pilot.press("p")  # a later probe run does not silently flip it back
        await wait_until(pilot, lambda: len(store.read().audit) == 3 and not app.cockpit.running)
        record = store.read().item("go-live.infra.cluster")
        assert (
            record.status == "done"
            and record.override is not None
            and record.probe.verdict == "fail"
        )
        assert cell(app, "go-live.infra.cluster", "verdict") == "✗ fail"


async def test_a_p1_item_marked_n_a_asks_why(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReasonModal) and "is P1" in text_of(app, ".dialog-title")
        await pilot.press(*"single-tenant deployment", "enter")
        await settle(pilot)
        record = store.read().item("go-live.infra.cluster")
        assert record.status == "n/a" and record.note == "single-tenant deployment"


@SIZES
async def test_two_captains_editing_one_note_see_both_values(
    app_factory, probed_checklist, store, size
) -> None:
    item = probed_checklist.item("security.waf")
    actions.annotate(store, item, note="first", evidence=None, actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("G", "k", "e")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        await fill(pilot, "#note", "mine: WAF rules reviewed")
        actions.annotate(
            store, item, note="theirs: WAF in count mode", evidence=None, actor=person("other")
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteModal), "a conflict must not close the dialog"
        error = text_of(app, "#error")
        assert (
            "theirs 'theirs: WAF in count mode'" in error
            and "yours 'mine: WAF rules reviewed'" in error
        )
        assert (
            store.read().item(item.key).note == "theirs: WAF in count mode"
        )  # nothing overwritten yet
        assert app.screen.query_one("#note", Input).value == "mine: WAF rules reviewed"
        await pilot.press("enter")  # now knowingly
        await settle(pilot)
        assert store.read().item(item.key).note == "mine: WAF rules reviewed"


async def test_a_proxy_approval_is_shown_as_one_and_needs_evidence(
    app_factory, probed_checklist, store
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, ApproveModal))
        assert not app.screen.query_one("#evidence", Input).display
        await fill(pilot, "#name", "Erin Example")
        assert text_of(app, "#recorded").startswith("PROXY approval: recorded by")
        assert app.screen.query_one("#evidence", Input).display
        await fill(pilot, "#name", "Erin Example")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ApproveModal) and "proxy approval" in text_of(app, "#error")
        await fill(pilot, "#evidence", "Slack #cutover 19:02")
        await pilot.press("enter")
        await settle(pilot)
        approval = store.read().approvals["eng"]
        assert (
            approval.proxy
            and approval.evidence == "Slack #cutover 19:02"
            and approval.name == "Erin Example"
        )
        assert cell(app, "eng", "kind", "#approvals") == "proxy"


@pytest.fixture
def agent(tmp_path, monkeypatch):
    """A real ssh-agent holding a fresh ed25519 key (ssh-keygen), and an allowed-signers file for
    it."""
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", "captain"], check=True
    )
    sock = tmp_path / "agent.sock"
    started = subprocess.run(
        ["ssh-agent", "-s", "-a", str(sock)], capture_output=True, text=True, check=True
    )
    pid = int(
        next(
            part.split("=")[1]
            for part in started.stdout.replace(";", "\n").split()
            if part.startswith("SSH_AGENT_PID=")
        )
    )
    monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
    subprocess.run(
        ["ssh-add", "-q", str(key)],
        check=True,
        env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
        capture_output=True,
    )
    key.unlink()  # only the agent holds the private key now
    yield key.with_suffix(".pub")
    os.kill(pid, signal.SIGTERM)


async def test_the_approval_is_signed_with_the_ssh_agent_key(
    app_factory, probed_checklist, store, agent, tmp_path
) -> None:
    from golive_tui.actor import Operator

    user = Operator.current().user
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'{user} namespaces="golive" {agent.read_text().strip()}\n')
    profile = Profile.model_validate({"signoff": {"allowed_signers": str(allowed)}})
    app = app_factory(probed_checklist, profile=profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, ApproveModal))
        sign = app.screen.query_one("#sign", Checkbox)
        assert sign.display and sign.value and "ssh-ed25519" in str(sign.label)
        await pilot.press("enter")
        await settle(pilot)
        approval = store.read().approvals["eng"]
        assert "BEGIN SSH SIGNATURE" in approval.ssh_signature
        view = app.cockpit.decision().approvals[0]
        assert view.signing.label == "signed" and view.counts
        assert cell(app, "eng", "kind", "#approvals") == "signed"
