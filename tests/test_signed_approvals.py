"""Approvals that say who really approved: OpenSSH signatures, proxies, separation of duties.

Real keys from `ssh-keygen -t ed25519`, a real allowed-signers file, the real CLI. The
forgeries rewrite the state file with every hash of the chain recomputed — what anyone
who can edit the file and read this code could do — and `golive audit verify` must still
name the bad approval and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from golive_tui import signing
from golive_tui.state import State
from golive_tui.state.chain import Change, append
from golive_tui.state.codec import Codec

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen"
)
MINI = Path(__file__).parent / "data" / "mini.toml"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    made = {}
    for who in ("alice", "bob", "mallory"):
        key = tmp_path / "keys" / who
        key.parent.mkdir(exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(key)], check=True
        )
        made[who] = key
    # mallory's key is not in the file: her signatures come from an unknown signer.
    lines = [
        f'{who} namespaces="golive" {(made[who].with_suffix(".pub")).read_text().strip()}'
        for who in ("alice", "bob")
    ]
    (tmp_path / "allowed_signers").write_text("\n".join(lines) + "\n")
    return made


def golive(tmp_path: Path, *args: str, checklist: Path = MINI) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(checklist)}
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def verify(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return golive(tmp_path, "audit", "verify", "--allowed-signers", "allowed_signers")


def rewrite(path: Path, edit: Callable[[Change], Change]) -> None:
    """Replay the chain through `edit` and write it back with every hash recomputed (a careful
    forger)."""
    codec = Codec()
    old = codec.loads(path, path.read_text())
    new = State(
        checklist=old.checklist, lineage=old.lineage, created_at=old.created_at
    )  # the record's identity kept
    for entry in old.audit:
        change = edit(Change(entry.target, entry.action, dict(entry.values), list(entry.unset)))
        append(
            new,
            change,
            by=entry.by,
            at=entry.at,
            operator=entry.operator,
            change_id=entry.change_id,
        )
    path.write_text(codec.dumps(new))


def signed_record(tmp_path: Path, keys: dict[str, Path]) -> Path:
    assert (
        golive(tmp_path, "mark", "go-live.infra.cluster", "done", "--note", "3 zones").returncode
        == 0
    )
    assert (
        golive(tmp_path, "mark", "security.waf", "failed", "--note", "no rules yet").returncode == 0
    )
    signed = golive(
        tmp_path,
        "approve",
        "sec",
        "--name",
        "Alice Q",
        "--principal",
        "alice",
        "--sign-key",
        str(keys["alice"]),
        "--allowed-signers",
        "allowed_signers",
    )
    assert signed.returncode == 0, signed.stderr
    assert "(signed)" in signed.stdout
    return tmp_path / "golive-state.toml"


def test_a_signed_approval_verifies_and_shows_as_signed(tmp_path: Path, keys) -> None:
    signed_record(tmp_path, keys)
    checked = verify(tmp_path)
    assert checked.returncode == 0 and "1 signed approval verified" in checked.stdout
    record = json.loads(
        golive(
            tmp_path,
            "status",
            "--format",
            "json",
            "--no-gate",
            "--set",
            "signoff.allowed_signers=allowed_signers",
        ).stdout
    )
    sec = next(a for a in record["decision"]["approvals"] if a["id"] == "sec")
    assert sec["signed"] is True and sec["signing"] == "signed" and sec["proxy"] is False
    assert sec["name"] == "Alice Q" and sec["principal"] == "alice"
    assert (
        sec["operator"].startswith(f"{os.environ.get('USER', '') or ''}") and "@" in sec["operator"]
    )
    # Without the allowed-signers file the signature cannot be checked, and says so.
    unchecked = golive(tmp_path, "audit", "verify")
    assert (
        unchecked.returncode == 0 and "NOT verified (no allowed-signers file)" in unchecked.stdout
    )


def test_a_hand_edited_approver_name_is_detected(tmp_path: Path, keys) -> None:
    path = signed_record(tmp_path, keys)

    def rename(change: Change) -> Change:
        if change.action == "approve":
            change.values["name"] = "Bob Builder"
        return change

    rewrite(path, rename)
    assert golive(tmp_path, "audit", "verify").returncode == 0  # the chain alone cannot tell
    result = verify(tmp_path)
    assert result.returncode == 1
    assert "approval #3 (sec, alice): signature does not verify" in result.stderr


def test_an_item_edited_before_the_approval_with_hashes_recomputed_is_detected(
    tmp_path: Path, keys
) -> None:
    path = signed_record(tmp_path, keys)

    def whitewash(change: Change) -> Change:
        if change.target == "item:security.waf" and change.action == "mark":
            change.values["status"] = "done"
        return change

    rewrite(path, whitewash)
    from golive_tui.state import verify as verify_chain

    assert verify_chain(
        Codec().loads(path, path.read_text())
    ).ok  # every hash recomputed: the plain chain holds
    # The signed approval names the chain head it saw: even without the allowed-signers file that is
    # checked.
    assert "chain head does not match" in golive(tmp_path, "audit", "verify").stderr
    result = verify(tmp_path)
    assert result.returncode == 1
    assert (
        "approval #3 (sec, alice): chain head does not match: history before #3 was rewritten"
        in result.stderr
    )
    status = json.loads(
        golive(
            tmp_path,
            "status",
            "--format",
            "json",
            "--no-gate",
            "--set",
            "signoff.allowed_signers=allowed_signers",
        ).stdout
    )
    sec = next(a for a in status["decision"]["approvals"] if a["id"] == "sec")
    assert sec["signing"] == "invalid" and sec["counts"] is False


def test_a_key_not_in_allowed_signers_is_an_unknown_signer(tmp_path: Path, keys) -> None:
    refused = golive(
        tmp_path,
        "approve",
        "sec",
        "--name",
        "mallory",
        "--sign-key",
        str(keys["mallory"]),
        "--allowed-signers",
        "allowed_signers",
    )
    assert refused.returncode == 2 and "unknown signer" in refused.stderr
    # Signed without the file at hand it cannot be checked, and the refusal says so (not "needs
    # --sign-key") ...
    unchecked = golive(
        tmp_path,
        "approve",
        "sec",
        "--name",
        "mallory",
        "--principal",
        "mallory",
        "--sign-key",
        str(keys["mallory"]),
    )
    assert (
        unchecked.returncode == 2
        and "no allowed-signers file to verify mallory's signature" in unchecked.stderr
    )
    # ... so it is recorded only as a proxy, with evidence ...
    assert (
        golive(
            tmp_path,
            "approve",
            "sec",
            "--name",
            "mallory",
            "--sign-key",
            str(keys["mallory"]),
            "--evidence",
            "said so on the bridge",
        ).returncode
        == 0
    )
    # ... and audit verify with the file names the unknown signer.
    result = verify(tmp_path)
    assert (
        result.returncode == 1
        and "unknown signer: the key is not in allowed_signers" in result.stderr
    )


def test_a_principal_that_is_not_the_approver_is_named(tmp_path: Path, keys) -> None:
    path = signed_record(tmp_path, keys)
    refused = golive(
        tmp_path,
        "approve",
        "eng",
        "--name",
        "Alice Q",
        "--principal",
        "alice",
        "--sign-key",
        str(keys["bob"]),
        "--allowed-signers",
        "allowed_signers",
    )
    assert (
        refused.returncode == 2
        and "principal bob signed it, not the approver alice" in refused.stderr
    )

    def bob_signs_for_alice(
        change: Change,
    ) -> Change:  # a forger with bob's key re-signs alice's approval
        if change.action == "approve":
            values = change.values
            message = signing.approval_message(
                role="sec",
                name=values["name"],
                principal=values["principal"],
                at=values["at"],
                state_digest=values["signature"],
                chain_head=values["chain_head"],
            )
            values["ssh_signature"] = signing.sign(message, keys["bob"])
        return change

    rewrite(path, bob_signs_for_alice)
    result = verify(tmp_path)
    assert (
        result.returncode == 1
        and "principal bob signed it, not the approver alice" in result.stderr
    )


def test_signing_through_ssh_agent(tmp_path: Path, keys) -> None:
    if shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None:
        pytest.skip("needs ssh-agent and ssh-add")
    socket = tmp_path / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            if socket.exists():
                break
            subprocess.run(["sleep", "0.05"])
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket)}
        subprocess.run(
            ["ssh-add", "-q", str(keys["bob"])], env=env, check=True, capture_output=True
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "golive_tui",
                "approve",
                "eng",
                "--name",
                "bob",
                "--agent",
                "--allowed-signers",
                "allowed_signers",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**env, "GOLIVE_CHECKLIST": str(MINI)},
            timeout=60,
        )
        assert result.returncode == 0 and "(signed)" in result.stdout, result.stderr
        assert "1 signed approval verified" in verify(tmp_path).stdout
    finally:
        agent.terminate()
        agent.wait(10)


def test_required_signatures_count_only_verified_ones(tmp_path: Path, keys) -> None:
    checklist = tmp_path / "strict.toml"
    checklist.write_text(
        "[signoff]\nrequire_signatures = true\n\n"
        + MINI.read_text().replace('title = "Mini go-live"\n', ""),
        encoding="utf-8",
    )
    checklist.write_text('title = "Mini go-live"\n' + checklist.read_text())
    proxy = golive(
        tmp_path,
        "approve",
        "eng",
        "--name",
        "Erin",
        "--evidence",
        "Slack #cutover 19:02",
        checklist=checklist,
    )
    assert proxy.returncode == 0 and "PROXY" in proxy.stdout
    record = json.loads(
        golive(tmp_path, "status", "--format", "json", "--no-gate", checklist=checklist).stdout
    )
    eng = next(a for a in record["decision"]["approvals"] if a["id"] == "eng")
    assert eng == {
        **eng,
        "operator": eng["operator"],
        "proxy": True,
        "signed": False,
        "counts": False,
    }
    assert any(
        r.startswith("Approval not signed: Engineering Manager (Erin)")
        for r in record["decision"]["reasons"]
    )
