"""Approvals from anywhere: a review request signed with plain `ssh-keygen -Y sign`, imported by the
captain.

Real keys from `ssh-keygen -t ed25519`, a real allowed-signers file, the real CLI, and the
approver's side done with OpenSSH only (no golive): what a VP on a laptop would do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen"
)
MINI = Path(__file__).parent / "data" / "mini.toml"
PRODUCTION = (
    Path(__file__).resolve().parent.parent
    / "golive_tui"
    / "data"
    / "checklists"
    / "production.toml"
)
PEOPLE = ("alice", "bob", "carol", "dan", "erin", "frank")


def golive(
    cwd: Path, *args: str, checklist: Path = MINI, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(checklist)}
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
    )


def keygen(path: Path, comment: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True
    )
    return path


def ssh_sign(key: Path, file: Path) -> Path:
    """The approver's side: plain OpenSSH, exactly the command the request prints (with their key's
    path)."""
    done = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", "golive", "-f", str(key), str(file)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return file.with_name(file.name + ".sig")


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    made = {who: keygen(tmp_path / "keys" / who, who) for who in (*PEOPLE, "mallory")}
    lines = [
        f'{who} namespaces="golive" {made[who].with_suffix(".pub").read_text().strip()}'
        for who in PEOPLE
    ]
    (tmp_path / "allowed_signers").write_text("\n".join(lines) + "\n")
    return made


def status(cwd: Path, checklist: Path = MINI) -> dict:
    done = golive(
        cwd,
        "status",
        "--format",
        "json",
        "--no-gate",
        "--set",
        "signoff.allowed_signers=allowed_signers",
        checklist=checklist,
    )
    return json.loads(done.stdout)


def approval(cwd: Path, role: str, checklist: Path = MINI) -> dict:
    return next(a for a in status(cwd, checklist)["decision"]["approvals"] if a["id"] == role)


def test_a_request_signed_with_plain_ssh_keygen_is_the_signers_own_signed_approval(
    tmp_path: Path, keys
) -> None:
    assert (
        golive(tmp_path, "mark", "go-live.infra.cluster", "done", "--note", "3 zones").returncode
        == 0
    )
    assert (
        golive(tmp_path, "mark", "security.waf", "failed", "--note", "no rules yet").returncode == 0
    )
    written = golive(tmp_path, "approve", "sec", "--request", "sec-request.txt")
    assert written.returncode == 0, written.stderr
    text = (tmp_path / "sec-request.txt").read_text()
    # Readable in a terminal: short lines, plain text, every fact the approver needs and the one
    # command.
    assert all(len(line) <= 78 and line.isprintable() for line in text.splitlines())
    assert "Checklist:    Mini go-live" in text and "Target:       autolytiq-prod" in text
    assert "Role:         Security Lead (sec)" in text and "Decision now: NO-GO" in text
    assert "security.waf (failed)" in text  # the blockers in words
    state = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)
    assert f"State digest: {state['decision']['signature']}" in text and "Chain head:   " in text
    assert "  ssh-keygen -Y sign -n golive -f ~/.ssh/id_ed25519 sec-request.txt" in text
    assert (
        "Approval missing: Security Lead" not in text
    )  # the role being asked for is not its own blocker

    ssh_sign(keys["alice"], tmp_path / "sec-request.txt")
    imported = golive(
        tmp_path,
        "approve",
        "sec",
        "--signature",
        "sec-request.txt.sig",
        "--name",
        "Alice Q",
        "--allowed-signers",
        "allowed_signers",
    )
    assert imported.returncode == 0, imported.stderr
    assert "approved by Alice Q [alice] (signed review request)" in imported.stdout
    sec = approval(tmp_path, "sec")
    assert (
        sec["signing"] == "signed"
        and sec["signed"] is True
        and sec["proxy"] is False
        and sec["principal"] == "alice"
    )
    assert sec["state"] == "fresh" and sec["counts"] is True
    checked = golive(tmp_path, "audit", "verify", "--allowed-signers", "allowed_signers")
    assert checked.returncode == 0 and "1 signed approval verified" in checked.stdout, (
        checked.stderr
    )


def test_a_signature_over_a_state_that_changed_is_refused_naming_the_change(
    tmp_path: Path, keys
) -> None:
    assert golive(tmp_path, "approve", "eng", "--request", "req.txt").returncode == 0
    sig = ssh_sign(keys["bob"], tmp_path / "req.txt")
    assert (
        golive(tmp_path, "mark", "security.waf", "failed", "--note", "rules missing").returncode
        == 0
    )
    stale = golive(
        tmp_path, "approve", "eng", "--signature", sig.name, "--allowed-signers", "allowed_signers"
    )
    assert stale.returncode == 2
    assert (
        "refused as stale" in stale.stderr
        and "security.waf" in stale.stderr
        and "--request FILE" in stale.stderr
    )
    assert approval(tmp_path, "eng")["state"] == "missing"  # never counted as fresh
    # A note is not part of what is approved: the same signature, re-requested after it, still needs
    # a new request.
    assert golive(tmp_path, "approve", "eng", "--request", "req2.txt").returncode == 0
    sig2 = ssh_sign(keys["bob"], tmp_path / "req2.txt")
    assert (
        golive(
            tmp_path,
            "approve",
            "eng",
            "--signature",
            sig2.name,
            "--allowed-signers",
            "allowed_signers",
        ).returncode
        == 0
    )


@pytest.mark.parametrize(
    "case", ["unknown key", "other role", "edited request", "no allowed signers", "other namespace"]
)
def test_a_signature_that_is_not_the_approvers_own_over_this_request_is_refused_with_the_reason(
    tmp_path: Path, keys, case: str
) -> None:
    assert golive(tmp_path, "approve", "sec", "--request", "req.txt").returncode == 0
    request = tmp_path / "req.txt"
    role, allowed = "sec", ["--allowed-signers", "allowed_signers"]
    if case == "unknown key":
        ssh_sign(keys["mallory"], request)
        expected = "unknown key: SHA256:"
    elif case == "other role":
        ssh_sign(keys["alice"], request)
        role, expected = (
            "eng",
            "this request is for the role Security Lead (sec), not Engineering Manager (eng)",
        )
    elif case == "edited request":
        ssh_sign(keys["alice"], request)
        request.write_text(request.read_text().replace("Decision now: NO-GO", "Decision now: GO"))
        expected = "the file was changed after it was signed"
    elif case == "no allowed signers":
        ssh_sign(keys["alice"], request)
        allowed, expected = [], "no allowed-signers file to verify the signature against"
    else:
        done = subprocess.run(
            ["ssh-keygen", "-Y", "sign", "-n", "file", "-f", str(keys["alice"]), str(request)],
            capture_output=True,
            timeout=30,
        )
        assert done.returncode == 0
        expected = "the signature is not for golive"
    refused = golive(tmp_path, "approve", role, "--signature", "req.txt.sig", *allowed)
    assert refused.returncode == 2 and "refused" in refused.stderr and expected in refused.stderr, (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr
    assert approval(tmp_path, role)["state"] == "missing"


def test_a_request_saved_from_a_chat_with_other_line_endings_still_verifies(
    tmp_path: Path, keys
) -> None:
    assert golive(tmp_path, "approve", "eng", "--request", "req.txt").returncode == 0
    text = (tmp_path / "req.txt").read_text()
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    pasted = laptop / "req.txt"
    pasted.write_bytes(
        text.rstrip("\n").replace("\n", "\r\n").encode()
    )  # what a Windows chat client saved
    sig = ssh_sign(keys["carol"], pasted)
    shutil.copy(sig, tmp_path / "req.txt.sig")
    imported = golive(
        tmp_path,
        "approve",
        "eng",
        "--signature",
        "req.txt.sig",
        "--allowed-signers",
        "allowed_signers",
    )
    assert imported.returncode == 0, imported.stderr
    assert (
        golive(tmp_path, "audit", "verify", "--allowed-signers", "allowed_signers").returncode == 0
    )


def test_golive_sign_on_the_approvers_laptop_is_the_same_signature(tmp_path: Path, keys) -> None:
    assert golive(tmp_path, "approve", "eng", "--request", "req.txt").returncode == 0
    declined = golive(tmp_path, "sign", "req.txt", "--key", str(keys["dan"]), stdin="n\n")
    assert declined.returncode == 1 and not (tmp_path / "req.txt.sig").exists()
    signed = golive(tmp_path, "sign", "req.txt", "--key", str(keys["dan"]), stdin="y\n")
    assert signed.returncode == 0 and "Role:         Engineering Manager (eng)" in signed.stderr, (
        signed.stderr
    )
    # OpenSSH verifies what golive signed, as it would its own signature.
    verified = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            "dan",
            "-n",
            "golive",
            "-s",
            "req.txt.sig",
        ],
        stdin=(tmp_path / "req.txt").open("rb"),
        cwd=tmp_path,
        capture_output=True,
    )
    assert verified.returncode == 0, verified.stderr
    assert (
        golive(
            tmp_path,
            "approve",
            "eng",
            "--signature",
            "req.txt.sig",
            "--allowed-signers",
            "allowed_signers",
        ).returncode
        == 0
    )
    assert (
        golive(tmp_path, "sign", "allowed_signers", "--key", str(keys["dan"]), "--yes").returncode
        == 2
    )


def test_a_signed_request_rewritten_in_the_record_fails_audit_verify(tmp_path: Path, keys) -> None:
    from golive_tui.state import State
    from golive_tui.state.chain import append
    from golive_tui.state.codec import Codec

    assert golive(tmp_path, "approve", "eng", "--request", "req.txt").returncode == 0
    ssh_sign(keys["erin"], tmp_path / "req.txt")
    assert (
        golive(
            tmp_path,
            "approve",
            "eng",
            "--signature",
            "req.txt.sig",
            "--allowed-signers",
            "allowed_signers",
        ).returncode
        == 0
    )
    path = tmp_path / "golive-state.toml"
    codec = Codec()
    old = codec.loads(path, path.read_text())
    new = State(checklist=old.checklist)
    for entry in old.audit:  # a careful forger: the request text says GO, every hash recomputed
        values = dict(entry.values)
        if values.get("request"):
            values["request"] = values["request"].replace("Decision now: NO-GO", "Decision now: GO")
        from golive_tui.state.chain import Change

        append(
            new,
            Change(entry.target, entry.action, values, list(entry.unset)),
            by=entry.by,
            at=entry.at,
            operator=entry.operator,
        )
    path.write_text(codec.dumps(new))
    result = golive(tmp_path, "audit", "verify", "--allowed-signers", "allowed_signers")
    assert result.returncode == 1 and "the file was changed after it was signed" in result.stderr


def test_six_approvals_reached_with_one_os_account_and_six_keys(tmp_path: Path, keys) -> None:
    """The production checklist's six roles, every approver signing from their own laptop: one
    bastion account."""
    from golive_tui import actions
    from golive_tui.actor import Actor
    from golive_tui.checklists import load_checklist
    from golive_tui.state import open_store

    checklist = load_checklist(str(PRODUCTION))
    store = open_store(tmp_path / "golive-state.toml", checklist=checklist.title)
    captain = Actor.current()
    for item in checklist.items():  # every row attested (the sweep's part is another test's)
        actions.mark(
            store,
            item,
            "done",
            actor=captain,
            note="checked",
            override="attested for the sign-off test",
        )
    roles = [role.id for role in checklist.approval]
    assert len(roles) == 6
    for role in roles:
        assert (
            golive(
                tmp_path, "approve", role, "--request", f"{role}.txt", checklist=PRODUCTION
            ).returncode
            == 0
        )
    for role, who in zip(
        roles, PEOPLE, strict=True
    ):  # signed in any order, all over the same state
        ssh_sign(keys[who], tmp_path / f"{role}.txt")
    for role in roles:
        imported = golive(
            tmp_path,
            "approve",
            role,
            "--signature",
            f"{role}.txt.sig",
            "--allowed-signers",
            "allowed_signers",
            checklist=PRODUCTION,
        )
        assert imported.returncode == 0, imported.stderr
    record = status(tmp_path, PRODUCTION)
    assert [
        (a["principal"], a["signing"], a["counts"]) for a in record["decision"]["approvals"]
    ] == [(who, "signed", True) for who in PEOPLE]
    operators = {a["operator"] for a in record["decision"]["approvals"]}
    assert len(operators) == 1  # one OS account recorded all six
    gate = golive(
        tmp_path, "status", "--set", "signoff.allowed_signers=allowed_signers", checklist=PRODUCTION
    )
    assert gate.returncode == 0 and "GO" in gate.stdout, gate.stdout + gate.stderr
