"""The record stays small over a long cutover: unchanged re-probes are one sweep entry, still
proven.

Each test fails on the code before schema_version 2, where every probe result was an
item entry: the sweep entry, the vouched results, the restatement and the migration did
not exist.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.decision import decide
from golive_tui.engine import ItemResult
from golive_tui.model import Checklist
from golive_tui.probes.base import ProbeResult
from golive_tui.state import SCHEMA_VERSION, StateStore, chain_verify, open_store, verified
from golive_tui.state.chain_verify import verify
from golive_tui.state.codec import Codec
from golive_tui.state.lazy import LazyAudit
from golive_tui.vocab import Verdict
from tests.people import person

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.toml"
V1 = DATA / "state-v1.toml"
"""Written by golive at ecf6eb7 (schema_version 1): three sweeps, a flip, a mark, an approval, a
sweep."""
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def checklist() -> Checklist:
    return load_checklist(MINI)


def sweep(
    store: StateStore,
    checklist: Checklist,
    minute: int,
    *,
    waf: Verdict = Verdict.PASS,
    by: str = "alice",
):
    """One sweep of three probed items, at T0 + minute (duration and reading move every time)."""
    items = checklist.item_map()
    when = T0 + timedelta(minutes=minute)
    results = [
        ItemResult(
            items["go-live.infra.cluster"],
            ProbeResult(
                Verdict.PASS,
                "API 1.32 healthy",
                f"3 nodes Ready ({minute})",
                checked_at=when,
                duration_ms=10.0 + minute,
            ),
        ),
        ItemResult(
            items["security.waf"],
            ProbeResult(
                waf,
                "WAF rules" if waf == Verdict.PASS else "no rules",
                checked_at=when,
                duration_ms=5.0,
            ),
        ),
        ItemResult(
            items["performance.p95"],
            ProbeResult(
                Verdict.PASS,
                "p95 under target",
                value=100.0 + minute,
                unit="ms",
                checked_at=when,
                duration_ms=30.0,
            ),
        ),
    ]
    return actions.record_results(store, results, actor=Actor.current(by).at(when))


def fresh_read(store: StateStore):
    """The document as another process reads it (a new codec, no shared caches)."""
    assert store.path is not None
    return Codec().loads(store.path, store.path.read_text())


def test_an_unchanged_re_probe_is_one_sweep_entry_and_a_flip_is_an_item_entry(
    tmp_path: Path, checklist: Checklist
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    assert [e.action for e in sweep(store, checklist, 0)] == ["probe", "probe", "probe"]
    size = store.path.stat().st_size
    for minute in range(1, 21):
        entries = sweep(store, checklist, minute)
        assert [(e.action, e.target) for e in entries] == [("sweep", "sweep")]
        assert entries[0].values["items"] == [
            "go-live.infra.cluster",
            "performance.p95",
            "security.waf",
        ]
    grown = store.path.stat().st_size - size
    assert grown < 20 * 700, f"20 unchanged sweeps grew the record by {grown} bytes"
    flip = sweep(store, checklist, 21, waf=Verdict.FAIL)
    assert [(e.action, e.target) for e in flip] == [
        ("probe", "item:security.waf"),
        ("sweep", "sweep"),
    ]
    state = fresh_read(store)
    assert verify(state).ok
    # The latest results are the stored ones, in full, and freshness moved with them.
    cluster = state.items["go-live.infra.cluster"]
    assert cluster.probe is not None and cluster.probe.checked_at == T0 + timedelta(minutes=21)
    assert (
        cluster.probe.evidence == "3 nodes Ready (21)"
        and state.items["performance.p95"].probe.value == 121.0
    )
    assert state.vouched == {
        "go-live.infra.cluster": flip[-1].values["root"],
        "performance.p95": flip[-1].values["root"],
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "checked_at = 2026-11-21 09:05:00+00:00",
            "checked_at = 2026-11-21 09:59:00+00:00",
            "results sweep",
        ),
        ('evidence = "3 nodes Ready (5)"', 'evidence = "4 nodes Ready (5)"', "results sweep"),
        ("value = 105.0", "value = 99.0", "results sweep"),
    ],
)
def test_editing_a_result_a_sweep_vouches_for_is_detected(
    tmp_path: Path, checklist: Checklist, old: str, new: str, expected: str
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    for minute in range(6):
        sweep(store, checklist, minute)
    text = store.path.read_text()
    assert old in text
    store.path.write_text(text.replace(old, new, 1))
    report = verify(fresh_read(store))
    assert not report.ok and expected in report.problem


def test_editing_the_sweep_table_or_the_vouched_map_is_detected(
    tmp_path: Path, checklist: Checklist
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    for minute in range(3):
        sweep(store, checklist, minute)
    text = store.path.read_text()
    leaf = fresh_read(store).sweeps
    ((root, leaves),) = leaf.items()
    forged = text.replace(leaves["performance.p95"], "0" * 64)
    store.path.write_text(forged)
    assert "were modified" in verify(fresh_read(store)).problem
    store.path.write_text(text.replace(f'"performance.p95" = "{root}"\n', ""))
    assert "vouched differs" in verify(fresh_read(store)).problem


def test_a_change_to_a_vouched_item_restates_its_latest_result_first(
    tmp_path: Path, checklist: Checklist
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    for minute in range(3):
        sweep(store, checklist, minute)
    item = checklist.item_map()["performance.p95"]
    entries = actions.mark(
        store,
        item,
        "done",
        note="looked at the dashboard",
        actor=Actor.current("carol").at(T0 + timedelta(minutes=5)),
    )
    assert [e.action for e in entries] == ["restate", "mark"]
    assert entries[0].values["probe"]["value"] == 102.0
    state = fresh_read(store)
    assert "performance.p95" not in state.vouched and verify(state).ok


def test_approvals_go_stale_on_a_flip_not_on_unchanged_re_probes(
    tmp_path: Path, checklist: Checklist
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    sweep(store, checklist, 0)
    actions.approve(
        store, checklist, "eng", name="Erin", actor=person("erin").at(T0 + timedelta(minutes=1))
    )
    for minute in range(2, 6):
        sweep(store, checklist, minute)
    view = {
        v.role_id: v
        for v in decide(checklist, fresh_read(store), T0 + timedelta(minutes=6)).approvals
    }
    assert view["eng"].state == "fresh"
    sweep(store, checklist, 6, waf=Verdict.FAIL)
    view = {
        v.role_id: v
        for v in decide(checklist, fresh_read(store), T0 + timedelta(minutes=7)).approvals
    }
    assert view["eng"].state == "stale" and view["eng"].changed == ["security.waf"]


def test_a_schema_1_record_migrates_verifies_and_keeps_its_history(
    tmp_path: Path, checklist: Checklist
) -> None:
    path = tmp_path / "state.toml"
    shutil.copy(V1, path)
    old = V1.read_text()
    assert old.startswith("schema_version = 1\n")
    store = open_store(path, checklist=checklist.title)
    before = store.read()
    assert verify(before).ok and len(before.audit) == 14
    sweep(store, checklist, 30, by="alice")
    sweep(store, checklist, 31, by="alice")
    text = path.read_text()
    assert text.startswith(f"schema_version = {SCHEMA_VERSION}\n") and SCHEMA_VERSION == 2
    history = old[old.index("[[audit]]") :]
    assert history in text, "the entries of the old file are kept byte for byte"
    after = fresh_read(store)
    assert verify(after).ok and [e.hash for e in after.audit[:14]] == [e.hash for e in before.audit]
    assert after.audit[-1].action == "sweep"
    assert {
        v.role_id: v.state for v in decide(checklist, after, T0 + timedelta(minutes=40)).approvals
    }["eng"] == "fresh"


def test_reading_a_long_record_parses_no_history(tmp_path: Path, checklist: Checklist) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    for minute in range(90):
        sweep(store, checklist, minute, waf=Verdict.FAIL if minute % 10 == 5 else Verdict.PASS)
    state = fresh_read(store)
    audit = state.audit
    assert isinstance(audit, LazyAudit)
    assert sum(entry is not None for entry in audit._read) == 0
    assert audit[-1].action == "sweep" and sum(entry is not None for entry in audit._read) == 1
    # A verification another process did is remembered (verified.py): this one replays only what
    # came after the note on disk. Notes are written every verified.REMEMBER_AFTER entries (by the
    # writer, or by a verify that replayed that many), so a later process replays fewer than that
    # many — never the whole chain.
    chain_verify._VERIFIED.clear()
    chain_verify._REMEMBERED.clear()
    assert verify(state).ok
    chain_verify._VERIFIED.clear()
    again = fresh_read(store)
    total = len(again.audit)
    assert total > verified.REMEMBER_AFTER + 30  # long enough that a full replay would show
    assert verify(again).ok
    assert (
        1
        <= sum(entry is not None for entry in again.audit._read)
        <= verified.REMEMBER_AFTER
        < total
    )
    # ... unless its text changed: an edited entry anywhere in the remembered prefix is caught.
    text = store.path.read_text()
    at = text.index('by = "alice"', text.index("\nseq = 7\n"))
    store.path.write_text(text[:at] + 'by = "mallory"' + text[at + len('by = "alice"') :])
    chain_verify._VERIFIED.clear()
    assert not verify(fresh_read(store)).ok


def golive(*args: str, cwd: Path, env: dict[str, str] | None = None):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "golive_tui", "--checklist", str(MINI), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_old_history_archived_to_a_segment_that_audit_verify_checks(
    tmp_path: Path, checklist: Checklist
) -> None:
    path = tmp_path / "state.toml"
    store = open_store(path, checklist=checklist.title)
    for minute in range(30):
        sweep(store, checklist, minute, waf=Verdict.FAIL if minute % 10 == 5 else Verdict.PASS)
    actions.approve(
        store, checklist, "eng", name="Erin", actor=person("erin").at(T0 + timedelta(minutes=31))
    )
    for minute in range(32, 36):
        sweep(store, checklist, minute)
    approval_seq = store.read().approvals["eng"].audit_seq
    size = path.stat().st_size
    done = golive("--state", str(path), "audit", "archive", "--yes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    segment = tmp_path / f"state.toml.audit-000001-{approval_seq - 1:06d}.toml"
    assert segment.exists() and path.stat().st_size < size
    state = fresh_read(store)
    assert state.audit[0].seq == approval_seq and state.audit[-1].action == "archive"
    assert verify(state).ok
    # The record goes on: sweeps, a mark, the approval still fresh and its entry found.
    sweep(store, checklist, 40)
    actions.mark(
        store,
        checklist.item_map()["go-live.infra.rollback"],
        "done",
        note="drill",
        actor=Actor.current("carol"),
    )
    view = {
        v.role_id: v
        for v in decide(checklist, fresh_read(store), T0 + timedelta(minutes=41)).approvals
    }
    assert (
        view["eng"].operator
        and view["eng"].state == "stale"
        and view["eng"].changed == ["go-live.infra.rollback"]
    )
    result = golive("--state", str(path), "audit", "verify", cwd=tmp_path)
    assert result.returncode == 0 and "intact" in result.stdout, result.stderr
    # An edited segment is caught by audit verify; an edited base or archive list by every
    # verification.
    text = segment.read_text()
    segment.write_text(text.replace('by = "alice"', 'by = "mallory"', 1))
    result = golive("--state", str(path), "audit", "verify", cwd=tmp_path)
    assert result.returncode == 1 and "was modified" in result.stderr
    segment.write_text(text)
    record = path.read_text()
    at = record.index("[base.items.")
    at = record.index("verdict = ", at)
    path.write_text(record[:at] + 'verdict = "acceptable"' + record[record.index("\n", at) :])
    report = verify(fresh_read(store))
    assert not report.ok and "base" in report.problem


def test_a_record_over_half_the_limit_warns_and_still_loads(
    tmp_path: Path, checklist: Checklist
) -> None:
    path = tmp_path / "state.toml"
    store = open_store(path, checklist=checklist.title)
    for minute in range(30):
        sweep(store, checklist, minute)
    size = path.stat().st_size
    limit_mb = f"{size * 1.5 / 2**20:.4f}"  # the file is two thirds of this limit
    result = golive(
        "--state", str(path), "status", cwd=tmp_path, env={"GOLIVE_MAX_FILE_MB": limit_mb}
    )
    assert result.returncode in (0, 1), result.stderr
    assert "over half the" in result.stderr and "golive audit archive" in result.stderr
    quiet = golive(
        "--state",
        str(path),
        "status",
        cwd=tmp_path,
        env={"GOLIVE_MAX_FILE_MB": f"{size * 3 / 2**20:.4f}"},
    )
    assert "over half" not in quiet.stderr


def _sweeper(path: str, worker: int, count: int) -> None:
    checklist = load_checklist(MINI)
    store = open_store(path, checklist=checklist.title)
    note_item = checklist.item_map()["go-live.infra.rollback"]
    for n in range(count):
        sweep(
            store,
            checklist,
            worker * 1000 + n,
            by="alice",
            waf=Verdict.FAIL if n % 7 == 3 else Verdict.PASS,
        )
        actions.mark(
            store, note_item, "done", note=f"{worker}-{n}", actor=Actor.current(f"w{worker}")
        )


def test_two_processes_sweeping_and_marking_one_record_lose_nothing_and_verify(
    tmp_path: Path,
) -> None:
    import multiprocessing

    path = str(tmp_path / "state.toml")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_sweeper, args=(path, w, 25)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    state = Codec().loads(path, Path(path).read_text())
    assert verify(state).ok
    assert sum(e.action == "mark" for e in state.audit) == 50
    assert sum(e.action == "sweep" for e in state.audit) >= 25


def test_sweeps_on_s3_and_through_an_outage_are_sweep_entries_that_verify(
    tmp_path: Path, checklist: Checklist
) -> None:
    import uuid

    from golive_tui.sandbox.moto_s3 import S3Server
    from golive_tui.state.s3 import S3Object

    server = S3Server().start()
    try:
        url = f"s3://{server.bucket(f'golive-{uuid.uuid4().hex[:12]}')}/prod/golive-state.toml"

        def store_at(journal: Path):
            return open_store(
                url,
                checklist=checklist.title,
                journal_dir=journal,
                storage=S3Object(url, endpoint_url=server.endpoint_url, poll_interval=0),
            )

        store = store_at(tmp_path / "journal")
        for minute in range(3):
            sweep(store, checklist, minute)
        server.stop()
        queued = sweep(store, checklist, 3)  # offline: journalled as one sweep, shown at once
        assert store.offline and [e.action for e in queued] == ["sweep"]
        sweep(store, checklist, 4, waf=Verdict.FAIL)
        server.start()
        report = store_at(tmp_path / "journal").sync()
        assert (report.pushed, report.conflicts, report.remaining) == (2, [], 0)
        remote = store_at(tmp_path / "other").read()
        assert verify(remote).ok
        assert [e.action for e in remote.audit][-4:] == ["sweep", "sweep", "probe", "sweep"]
        assert remote.items["performance.p95"].probe.value == 104.0
    finally:
        server.stop()


def test_evidence_lines_like_table_headers_stay_lazy_and_a_real_header_in_the_history_is_seen(
    tmp_path: Path, checklist: Checklist
) -> None:
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    item = checklist.item_map()["go-live.infra.cluster"]
    for minute in range(3):
        when = T0 + timedelta(minutes=minute)
        evidence = (
            f'[k8s.cluster] pass: 3 nodes\n[items."x"]\n[[audit]]\n[aws.eks] ACTIVE ({minute})'
        )
        actions.record_results(
            store,
            [ItemResult(item, ProbeResult(Verdict.PASS, "ok", evidence, checked_at=when))],
            actor=Actor.current("alice").at(when),
        )
    state = fresh_read(store)
    assert verify(state).ok and state.items["go-live.infra.cluster"].probe.evidence.endswith(
        "ACTIVE (2)"
    )
    assert isinstance(
        state.audit, LazyAudit
    )  # the lines inside the evidence strings are not headers
    store.path.write_text(store.path.read_text() + '\n[items."injected"]\nstatus = "done"\n')
    forged = fresh_read(store)
    assert (
        "injected" in forged.items and not verify(forged).ok
    )  # the full parser saw it, replay refuses it
