"""A record that holds under hostile input: GO gated on integrity, history never reset, odd files
refused.

Every check goes through the real CLI in a subprocess, on real files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.decision import signature
from golive_tui.state import ItemState, State, open_store
from golive_tui.state.codec import Codec
from golive_tui.state.schema import ApprovalRecord

MINI = Path(__file__).parent / "data" / "mini.toml"


def golive(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(MINI)}
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input=input,
    )


def forged_go(path: Path) -> None:
    """What a hand edit produces: every item done, every approval signed over that state, no audit
    entries."""
    checklist = load_checklist(MINI)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    state = State(checklist=checklist.title)
    for item in checklist.items():
        state.items[item.key] = ItemState(status="done", by="mallory", at=now)
    sig = signature(checklist, state)
    for n, role in enumerate(checklist.approval):
        state.approvals[role.id] = ApprovalRecord(
            role=role.role, name=f"Approver {n}", at=now, signature=sig, audit_seq=0
        )
    path.write_text(Codec().dumps(state))


def test_a_hand_forged_go_is_tampered_never_go(tmp_path: Path) -> None:
    state = tmp_path / "golive-state.toml"
    forged_go(state)
    before = state.read_bytes()

    status = golive("status", cwd=tmp_path)
    assert status.returncode == 1
    assert status.stdout.splitlines()[0].startswith("TAMPERED: items differ from the audit trail")
    assert "DECISION: TAMPERED" in status.stdout and "DECISION: GO" not in status.stdout
    record = golive("status", "--format", "json", cwd=tmp_path)
    assert (
        record.returncode == 1
        and '"label": "TAMPERED"' in record.stdout
        and '"ok": false' in record.stdout
    )

    live = golive("golive", "--force", "--reason", "ship it", cwd=tmp_path)
    assert live.returncode == 2 and "TAMPERED" in live.stderr
    mark = golive("mark", "go-live.infra.rollback", "done", cwd=tmp_path)
    assert (
        mark.returncode == 2
        and "refusing to write on top of it" in mark.stderr
        and "--accept-tampered" in mark.stderr
    )
    assert state.read_bytes() == before and not state.with_name(state.name + ".bak").exists()
    assert "Traceback" not in live.stderr + mark.stderr


def test_accepting_a_tampered_record_is_recorded_and_keeps_the_last_good_copy(
    tmp_path: Path,
) -> None:
    state = tmp_path / "golive-state.toml"
    store = open_store(state, checklist="Mini go-live")
    checklist = load_checklist(MINI)
    from golive_tui import actions

    actions.mark(
        store, checklist.item("go-live.infra.cluster"), "done", actor=Actor.current("alice")
    )
    actions.mark(store, checklist.item("security.waf"), "failed", actor=Actor.current("alice"))
    good = state.read_text()
    state.write_text(
        good.replace('status = "failed"', 'status = "done"', 1)
    )  # a hand edit of the item table
    tampered = state.read_bytes()

    accepted = golive(
        "mark",
        "go-live.infra.rollback",
        "done",
        "--accept-tampered",
        "investigating INC-7",
        cwd=tmp_path,
    )
    assert accepted.returncode == 0, accepted.stderr
    after = open_store(state).read()
    assert [e.action for e in after.audit[-2:]] == ["accept-tampered", "mark"]
    assert after.audit[-2].values["reason"] == "investigating INC-7"
    assert "items differ" in after.audit[-2].values["problem"] and after.audit[-2].operator["user"]
    # The .bak is the last good file, not the tampered one.
    assert state.with_name(state.name + ".bak").read_bytes() != tampered
    assert (
        golive("status", cwd=tmp_path).returncode == 1
    )  # still TAMPERED: accepting is not repairing


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["zero-length", "blank"])
def test_an_empty_state_file_is_refused_and_the_backup_restored(
    tmp_path: Path, content: bytes
) -> None:
    state = tmp_path / "golive-state.toml"
    store = open_store(state, checklist="Mini go-live")
    checklist = load_checklist(MINI)
    from golive_tui import actions

    for n, key in enumerate(["go-live.infra.cluster", "go-live.infra.rollback", "security.waf"]):
        actions.mark(
            store, checklist.item(key), "done", note=f"step {n}", actor=Actor.current("alice")
        )
    backup = state.with_name(state.name + ".bak")
    kept = backup.read_bytes()
    state.write_bytes(content)

    for args in (["status"], ["mark", "security.waf", "failed"], ["audit", "verify"]):
        result = golive(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "the state file is empty" in result.stderr and "golive restore" in result.stderr
    assert backup.read_bytes() == kept and state.read_bytes() == content

    shown = golive("restore", cwd=tmp_path, input="n\n")
    assert shown.returncode == 1
    assert f"current: {state}: empty" in shown.stdout
    assert f"backup:  {backup}: 2 audit entries" in shown.stdout and "chain intact" in shown.stdout
    assert state.read_bytes() == content
    restored = golive("restore", "--yes", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert open_store(state).read().item("go-live.infra.rollback").note == "step 1"
    assert [p for p in tmp_path.iterdir() if ".replaced-" in p.name][0].read_bytes() == content
    assert golive("audit", "verify", cwd=tmp_path).returncode == 0


def test_a_truncated_state_file_is_refused_not_rewritten(tmp_path: Path) -> None:
    state = tmp_path / "golive-state.toml"
    store = open_store(state, checklist="Mini go-live")
    checklist = load_checklist(MINI)
    from golive_tui import actions

    for key in ["go-live.infra.cluster", "go-live.infra.rollback", "security.waf"]:
        actions.mark(store, checklist.item(key), "done", actor=Actor.current("alice"))
    text = state.read_text()
    for cut in (len(text) // 3, text.rindex("[[audit]]")):
        state.write_text(text[:cut])
        before = state.read_bytes()
        result = golive("mark", "go-live.infra.on-call", "done", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert str(state) in result.stderr and "Traceback" not in result.stderr
        assert state.read_bytes() == before


def test_odd_files_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    cases = [
        (["--checklist", str(fifo), "validate"], "is a FIFO: a checklist must be a regular file"),
        (["--checklist", str(zero), "validate"], "is a device: a checklist must be a regular file"),
        (["--checklist", str(deep), "validate"], "nested too deeply"),
        (["--state", str(fifo), "status"], "is a FIFO: a state file must be a regular file"),
        (["--profile", str(zero), "status"], "is a device: a profile must be a regular file"),
        (
            ["mark", "security.waf", "done", "--evidence", str(fifo)],
            "is a FIFO: a evidence file must be a regular file",
        ),
    ]
    for args, message in cases:
        result = golive(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_large_file_is_refused_over_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 200_000)  # ~2 MB
    monkeypatch.setenv("GOLIVE_MAX_FILE_MB", "1")
    result = golive("--checklist", str(big), "validate", cwd=tmp_path)
    assert result.returncode == 2 and "larger than 1 MB" in result.stderr


def test_evidence_is_hashed_streaming(tmp_path: Path) -> None:
    import hashlib

    size = 256 * 1024 * 1024
    evidence = tmp_path / "report.bin"
    with evidence.open("wb") as handle:  # sparse: reading it whole would show in the RSS
        handle.truncate(size)
    code = (
        "import resource, pathlib\n"
        "from golive_tui.actions import file_sha256\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"digest = file_sha256(pathlib.Path({str(evidence)!r}))\n"
        "print(digest, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    digest = hashlib.sha256()
    block = b"\0" * (1024 * 1024)
    for _ in range(size // len(block)):
        digest.update(block)
    assert out[0] == digest.hexdigest()
    assert (
        int(out[1]) < 16 * 1024
    )  # KB of peak RSS growth: the 256 MB file was never held in memory


def test_a_note_longer_than_a_command_line_comes_from_a_file_or_stdin(tmp_path: Path) -> None:
    long_note = "".join(
        f"line {n}: checked replica lag, WAL archiving and PITR restore\n" for n in range(4000)
    )  # ~240 KB
    assert (
        len(long_note.encode()) > 128 * 1024
    )  # more than one argv string may hold (MAX_ARG_STRLEN)
    (tmp_path / "note.txt").write_text(long_note)
    by_file = golive(
        "mark", "go-live.infra.rollback", "done", "--note-file", "note.txt", cwd=tmp_path
    )
    assert by_file.returncode == 0, by_file.stderr
    by_stdin = golive("note", "security.waf", "--note", "-", cwd=tmp_path, input=long_note)
    assert by_stdin.returncode == 0, by_stdin.stderr
    state = open_store(tmp_path / "golive-state.toml").read()
    assert state.item("go-live.infra.rollback").note == long_note == state.item("security.waf").note
    (tmp_path / "huge.txt").write_text("x" * (2 * 1024 * 1024))
    huge = golive("mark", "security.waf", "done", "--note-file", "huge.txt", cwd=tmp_path)
    assert huge.returncode == 2 and "larger than" in huge.stderr
