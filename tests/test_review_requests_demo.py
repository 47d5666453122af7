"""Six approvals for the healthy demo, reached from one OS account on the bastion: every approver
signs a review request with their own key (plain `ssh-keygen -Y sign`), the captain imports the six
signatures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.decision import outcome
from golive_tui.sandbox.demo_process import DemoProcess
from golive_tui.state import open_store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen"),
]
APPROVERS = ("emma", "sam", "quinn", "olga", "priya", "victor")


@pytest.fixture
def healthy(tmp_path: Path) -> Iterator[DemoProcess]:
    demo = DemoProcess("healthy", tmp_path / "demo").start()
    try:
        yield demo
    finally:
        demo.stop()


def test_six_signed_approvals_of_the_healthy_demo_from_one_bastion_account(
    healthy: DemoProcess, tmp_path: Path
) -> None:
    keys = {}
    for who in APPROVERS:  # six laptops: each key stays with its approver
        keys[who] = tmp_path / "laptops" / who / "id_ed25519"
        keys[who].parent.mkdir(parents=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(keys[who])],
            check=True,
        )
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(
        "".join(
            f'{who} namespaces="golive" {keys[who].with_suffix(".pub").read_text()}'
            for who in APPROVERS
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_CHECKLIST"}
    base = [
        "--profile",
        str(healthy.profile_path),
        "--state",
        str(tmp_path / "state.toml"),
        "--set",
        f"signoff.allowed_signers={allowed}",
    ]

    def golive(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "golive_tui", *base, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    swept = golive("run", "--format", "json")
    assert "Traceback" not in swept.stderr and swept.returncode in (0, 3), swept.stderr[-2000:]
    # The rows no probe can judge (manual checks, a page to confirm) are attested by the captain, as
    # on the call.
    checklist = load_checklist(None)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    captain = Actor.current("captain")
    state, now = store.read(), captain.now()
    for item in checklist.items():
        if not outcome(item, state.item(item.key), now).finished:
            verdict = state.item(item.key).probe.verdict if state.item(item.key).probe else ""
            actions.mark(
                store,
                item,
                "done",
                actor=captain,
                note="checked on the call",
                override="checked by hand on the call" if verdict in ("fail", "error") else None,
            )
    # Six requests, six signatures from six laptops, six imports: one OS account on the bastion.
    roles = [role.id for role in checklist.approval]
    for role in roles:
        assert golive("approve", role, "--request", f"{role}.txt").returncode == 0
    for role, who in zip(roles, APPROVERS, strict=True):
        signed = subprocess.run(
            ["ssh-keygen", "-Y", "sign", "-n", "golive", "-f", str(keys[who]), f"{role}.txt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert signed.returncode == 0, signed.stderr
    for role in roles:
        imported = golive("approve", role, "--signature", f"{role}.txt.sig")
        assert imported.returncode == 0, imported.stderr
    status = golive("status", "--format", "json")
    record = json.loads(status.stdout)
    assert [
        (a["principal"], a["signing"], a["counts"]) for a in record["decision"]["approvals"]
    ] == [(who, "signed", True) for who in APPROVERS]
    assert len({a["operator"] for a in record["decision"]["approvals"]}) == 1
    assert record["decision"]["go"] is True and status.returncode == 0, record["decision"][
        "reasons"
    ]
    assert golive("audit", "verify").returncode == 0
