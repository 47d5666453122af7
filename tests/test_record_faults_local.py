"""A local record under faults: a vanished file beside its .bak, the size cap, a full or read-only
disk.

Everything through the real CLI in a subprocess (exit codes, stderr, no traceback). The
full disk is a real tmpfs when this runs as root (it mounts one), and an ENOSPC injected
into golive's own writer (storage.write_some, never a library) otherwise.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui.actor import Actor
from golive_tui.errors import GoliveError
from golive_tui.files import megabytes
from golive_tui.state import open_store
from golive_tui.state.chain import Change
from golive_tui.state.chain_verify import verify

MINI = Path(__file__).parent / "data" / "mini.toml"
ITEMS = ("security.waf", "go-live.infra.cluster", "go-live.infra.rollback", "go-live.infra.on-call")


def golive(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", "--checklist", str(MINI), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr
    return result


# --- lineage --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cache", ["kept", "fresh"], ids=["same-user", "no-cache"])
def test_rm_state_with_bak_present_is_refused_and_bak_untouched(tmp_path: Path, cache: str) -> None:
    state = tmp_path / "golive-state.toml"
    bak = tmp_path / "golive-state.toml.bak"
    ok(golive("--state", str(state), "mark", "security.waf", "done", cwd=tmp_path))
    ok(golive("--state", str(state), "mark", "go-live.infra.cluster", "done", cwd=tmp_path))
    lineage = open_store(state).read().lineage
    before = bak.read_bytes()
    state.unlink()
    env = {"XDG_STATE_HOME": str(tmp_path / "elsewhere")} if cache == "fresh" else {}
    for args in (("mark", "go-live.infra.rollback", "done"), ("status", "--no-gate")):
        refused = golive("--state", str(state), *args, cwd=tmp_path, env=env)
        assert refused.returncode == 2, (args, refused.stdout)
        assert (
            "the record is gone" in refused.stderr
            and f"expected lineage {lineage}" in refused.stderr
        )
        assert (
            ".bak" in refused.stderr
            and "init-record" in refused.stderr
            and "Traceback" not in refused.stderr
        )
    assert (
        not state.exists() and bak.read_bytes() == before
    )  # old code: a new record, then .bak overwritten

    # Restarting on purpose: recorded, and the old lineage's .bak is never overwritten by the new
    # one.
    started = ok(
        golive(
            "--state",
            str(state),
            "init-record",
            "--reason",
            "lost the file; starting over",
            cwd=tmp_path,
            env=env,
        )
    )
    assert "replaces " + lineage in started.stdout
    for item in ITEMS[:3]:
        ok(golive("--state", str(state), "mark", item, "done", cwd=tmp_path, env=env))
    kept = tmp_path / f"golive-state.toml.bak.{lineage[:12]}"
    assert kept.read_bytes() == before
    new = open_store(state, journal_dir=tmp_path / "reader").read()
    assert new.lineage != lineage and new.audit[0].values == {
        "reason": "lost the file; starting over",
        "replaces": lineage,
    }
    assert verify(new).ok


def test_another_record_copied_over_is_refused(tmp_path: Path) -> None:
    state, other = tmp_path / "golive-state.toml", tmp_path / "other.toml"
    ok(golive("--state", str(state), "mark", "security.waf", "done", cwd=tmp_path))
    ok(golive("--state", str(other), "mark", "security.waf", "failed", cwd=tmp_path))
    shutil.copy(other, state)
    refused = golive("--state", str(state), "mark", "go-live.infra.cluster", "done", cwd=tmp_path)
    assert refused.returncode == 2 and "another record is there" in refused.stderr


def test_an_old_file_without_lineage_gets_one_from_its_first_entry(tmp_path: Path) -> None:
    """The migration: a record written before lineage is identified by entry #1, the same for every
    reader."""
    store = open_store(tmp_path / "s.toml")
    store.transact([Change("item:a.one", "mark", {"status": "done"})], Actor.current("t"))
    text = store.path.read_text()
    old = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(("lineage =", "created_at =", "first_entry ="))
    )
    store.path.write_text(old + "\n")
    store.records.forget()
    state = open_store(tmp_path / "s.toml").read()
    assert state.lineage == state.audit[0].hash[:32] and state.first_entry == state.audit[0].hash
    assert state.created_at == state.audit[0].at


# --- the size cap ---------------------------------------------------------------------------------
def test_the_write_that_would_cross_the_cap_is_refused_and_reads_still_work(tmp_path: Path) -> None:
    state = tmp_path / "golive-state.toml"
    env = {"GOLIVE_MAX_FILE_MB": "0.02"}  # ~21 KB
    note = "x" * 3000
    warned = None
    for n in range(20):
        result = golive(
            "--state",
            str(state),
            "note",
            ITEMS[n % 4],
            "--note",
            f"{n} {note}",
            cwd=tmp_path,
            env=env,
        )
        if result.returncode != 0:
            break
        if warned is None and "of the 0.02 MB cap" in result.stderr:
            warned = n
    assert warned is not None and result.returncode == 2, result.stderr
    assert (
        "over the 0.02 MB cap" in result.stderr and "refused, nothing was written" in result.stderr
    )
    assert "Archive old history" in result.stderr and "Traceback" not in result.stderr
    size = state.stat().st_size
    assert 10 * 1024 < size <= 0.02 * 1024 * 1024
    for args in (("status", "--no-gate"), ("audit", "verify"), ("report", "--format", "json")):
        read = golive("--state", str(state), *args, cwd=tmp_path, env=env)
        assert read.returncode in (0, 1), (args, read.stderr)  # 1: NO-GO, never "refusing to read"
        assert "refusing" not in read.stderr
    # A lower cap set by another captain: writes refused, reads still work (old code: exit 2 on
    # every read).
    lower = golive(
        "--state",
        str(state),
        "status",
        "--no-gate",
        cwd=tmp_path,
        env={"GOLIVE_MAX_FILE_MB": "0.015"},
    )
    assert lower.returncode in (0, 1) and "warning" in lower.stderr


def test_the_cap_message_does_not_round_down() -> None:
    assert megabytes(int(3.4 * 1024 * 1024)) == "3.4" and megabytes(64 * 1024 * 1024) == "64"


# --- disk full, read-only, permission -------------------------------------------------------------
@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs (root only)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_filesystem_is_exit_2_with_the_path_and_what_was_kept(
    small_fs: Path, tmp_path: Path
) -> None:
    state = small_fs / "golive-state.toml"
    ok(golive("--state", str(state), "mark", "security.waf", "done", cwd=tmp_path))
    ok(golive("--state", str(state), "mark", "go-live.infra.cluster", "done", cwd=tmp_path))
    record, bak = state.read_bytes(), (small_fs / "golive-state.toml.bak").read_bytes()
    filler = small_fs / "filler"
    with open(filler, "wb", buffering=0) as handle:  # fill it up to the last byte
        with pytest.raises(OSError) as info:
            while True:
                handle.write(b"\0" * 4096)
        assert info.value.errno == errno.ENOSPC
    for args in (
        ("mark", "go-live.infra.rollback", "done", "--note", "n" * 8000),
        ("--checklist", "production", "run", "--item", "security.infrastructure.waf"),
    ):  # a probe result
        full = golive("--state", str(state), *args, cwd=tmp_path)
        assert full.returncode == 2, (args, full.stdout, full.stderr)
        assert (
            "Traceback" not in full.stderr
            and "the disk is full" in full.stderr
            and str(state) in full.stderr
        )
        assert "nothing was changed" in full.stderr
    assert state.read_bytes() == record and (small_fs / "golive-state.toml.bak").read_bytes() == bak
    assert [p.name for p in small_fs.iterdir() if p.name.endswith(".tmp")] == []

    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    read_only = golive(
        "--state", str(state), "mark", "go-live.infra.rollback", "done", cwd=tmp_path
    )
    assert (
        read_only.returncode == 2
        and "read-only" in read_only.stderr
        and "Traceback" not in read_only.stderr
    )
    assert ok(golive("--state", str(state), "status", "--no-gate", cwd=tmp_path))  # reading is fine


def test_an_injected_enospc_in_golives_own_writer_keeps_record_and_bak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from golive_tui.state import storage

    store = open_store(tmp_path / "s.toml")
    for key in ("a.one", "a.two"):
        store.transact([Change(f"item:{key}", "mark", {"status": "done"})], Actor.current("t"))
    record, bak = store.path.read_bytes(), store.backup.read_bytes()

    def full(fd: int, data: memoryview) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage, "write_some", full)
    with pytest.raises(
        GoliveError, match=r"cannot write .*: the disk is full \(errno 28\); nothing was changed"
    ):
        store.transact([Change("item:a.three", "mark", {"status": "done"})], Actor.current("t"))
    assert store.path.read_bytes() == record and store.backup.read_bytes() == bak
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_directory_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("a file where a directory should be\n")
    result = golive(
        "--state", str(target / "golive-state.toml"), "mark", "security.waf", "done", cwd=tmp_path
    )
    assert (
        result.returncode == 2 and "Traceback" not in result.stderr and str(target) in result.stderr
    )
